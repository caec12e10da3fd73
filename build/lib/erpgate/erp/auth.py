"""Auth styles: the headers each style sends, and the OAuth2 client-credentials token cache."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from erpgate.erp.credentials import Credentials
from erpgate.erp.errors import ErpTokenAnswerError

# Refresh this long before the ERP says the token expires, so a token never dies in flight.
TOKEN_EARLY_REFRESH_SECONDS = 60.0
# RFC 6749 makes expires_in optional; without it we reuse a token this long (a 401 refetches).
TOKEN_DEFAULT_LIFETIME_SECONDS = 300.0


def static_auth_headers(credentials: Credentials) -> list[tuple[str, str]]:
    """Headers for the bearer, header and basic styles (oauth2 needs a fetched token)."""
    style = credentials.auth_style
    if style == "bearer":
        headers = [("Authorization", f"Bearer {credentials.token}")]
        if credentials.key:
            headers.append(("X-Api-Key", credentials.key))
        return headers
    if style == "header":
        value = credentials.token
        if credentials.key.lower() == "authorization" and " " not in value.strip():
            value = f"Bearer {value}"
        return [(credentials.key, value)]
    if style == "basic":
        pair = f"{credentials.key}:{credentials.token}".encode()
        return [("Authorization", "Basic " + base64.b64encode(pair).decode("ascii"))]
    return []


def bearer_header(access_token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {access_token}")]


def token_request_body(credentials: Credentials) -> bytes:
    """The form body for the client-credentials grant."""
    fields = {
        "grant_type": "client_credentials",
        "client_id": credentials.key,
        "client_secret": credentials.token,
    }
    if credentials.scope:
        fields["scope"] = credentials.scope
    return urlencode(fields).encode()


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    expires_in: float | None


def parse_token_answer(parsed: Any) -> AccessToken:
    if not isinstance(parsed, dict) or not isinstance(parsed.get("access_token"), str):
        raise ErpTokenAnswerError("Token URL answer had no access_token")
    if not parsed["access_token"]:
        raise ErpTokenAnswerError("Token URL answer had an empty access_token")
    expires_in = parsed.get("expires_in")
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
        expires_in = None
    return AccessToken(parsed["access_token"], float(expires_in) if expires_in else None)


TokenKey = tuple[str, str, str]


class TokenCache:
    """Access tokens per (token URL, client id, secret); one fetch at a time per key."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[TokenKey, tuple[str, float]] = {}
        self._locks: dict[TokenKey, asyncio.Lock] = {}

    @staticmethod
    def key(credentials: Credentials) -> TokenKey:
        return (credentials.token_url or "", credentials.key, credentials.token)

    def cached(self, credentials: Credentials) -> str | None:
        entry = self._tokens.get(self.key(credentials))
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    async def get(
        self,
        credentials: Credentials,
        fetch: Callable[[], Awaitable[AccessToken]],
        *,
        rejected: str | None = None,
    ) -> str:
        """A valid token; ``rejected`` is one the ERP just answered 401 to, so never reuse it."""
        key = self.key(credentials)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            current = self.cached(credentials)
            if current is not None and current != rejected:
                return current
            self._tokens.pop(key, None)
            token = await fetch()
            lifetime = token.expires_in or TOKEN_DEFAULT_LIFETIME_SECONDS
            # A token shorter-lived than the early-refresh margin is used for this call only.
            self._tokens[key] = (
                token.value,
                self._clock() + lifetime - TOKEN_EARLY_REFRESH_SECONDS,
            )
            return token.value

    def clear(self) -> None:
        self._tokens.clear()
