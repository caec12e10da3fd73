"""Masking of secrets wherever a request or response is shown, logged or e-mailed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "••••"

# Header names whose values are credentials in every auth style we support.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "cookie",
        "set-cookie",
    }
)
_SENSITIVE_NAME = re.compile(r"(token|secret|password|passwd|api[-_]?key|auth|signature)", re.I)


def mask_tail(secret: str | None, keep: int = 4) -> str:
    """•••• plus the last characters, for showing which secret is stored without showing it."""
    if not secret:
        return ""
    if len(secret) <= keep * 2:
        return MASK
    return MASK + secret[-keep:]


def is_sensitive_name(name: str) -> bool:
    return name.lower() in SENSITIVE_HEADERS or bool(_SENSITIVE_NAME.search(name))


def mask_headers(
    headers: Iterable[tuple[str, str]] | Mapping[str, str], extra_names: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Mask credential headers; ``extra_names`` covers the custom header of the `header` style."""
    extra = {name.lower() for name in extra_names if name}
    items = headers.items() if isinstance(headers, Mapping) else headers
    masked: list[tuple[str, str]] = []
    for name, value in items:
        if is_sensitive_name(name) or name.lower() in extra:
            masked.append((name, MASK))
        else:
            masked.append((name, value))
    return masked


# Cached: an integration calls the same few URLs over and over, and parsing and rebuilding each
# one showed up as several per cent of a storefront request's CPU.
@lru_cache(maxsize=4096)
def mask_url(url: str) -> str:
    """Drop userinfo and mask credential-looking query parameters."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    # Built by hand so the mask stays readable instead of percent-encoded; the result is for display.
    query = "&".join(
        f"{quote(k)}={MASK if is_sensitive_name(k) else quote(v)}"
        for k, v in parse_qsl(parts.query, True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every literal occurrence of a known secret (e.g. the Token echoed by an ERP)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text
