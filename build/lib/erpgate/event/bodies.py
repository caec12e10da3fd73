"""Turning raw HTTP bytes into storable, showable text, and a masked "copy as curl"."""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass
from typing import Any

import orjson

HEADER_VALUE_LIMIT = 4096
HEADER_COUNT_LIMIT = 100
_TRUNCATION_NOTE = "…[truncated]"


@dataclass(frozen=True, slots=True)
class StoredBody:
    text: str
    encoding: str  # "utf-8" or "base64"
    size: int  # the original size in bytes
    truncated: bool


def store_body(body: bytes, cap: int, *, already_truncated: bool = False) -> StoredBody:
    """Cap the body; keep UTF-8 as text, anything else (and text with NUL) as base64."""
    raw = body[:cap]
    truncated = already_truncated or len(body) > cap
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The cap may cut a multi-byte character in half; that alone does not make it binary.
        if len(body) > cap and exc.reason == "unexpected end of data" and exc.start >= cap - 3:
            text = raw[: exc.start].decode("utf-8", errors="replace")
        else:
            return StoredBody(base64.b64encode(raw).decode("ascii"), "base64", len(body), truncated)
    if "\x00" in text:  # PostgreSQL text cannot hold NUL; it is not something to read anyway
        return StoredBody(base64.b64encode(raw).decode("ascii"), "base64", len(body), truncated)
    return StoredBody(text, "utf-8", len(body), truncated)


def store_headers(headers: list[tuple[str, str]]) -> list[list[str]]:
    """Headers as JSON pairs; a huge header or a flood of them is cut, not stored whole."""
    stored: list[list[str]] = []
    for name, value in headers[:HEADER_COUNT_LIMIT]:
        clean = value.replace("\x00", "")
        if len(clean) > HEADER_VALUE_LIMIT:
            clean = clean[:HEADER_VALUE_LIMIT] + _TRUNCATION_NOTE
        stored.append([name.replace("\x00", "")[:256], clean])
    if len(headers) > HEADER_COUNT_LIMIT:
        stored.append(["X-Erpgate-Note", f"{len(headers) - HEADER_COUNT_LIMIT} more headers cut"])
    return stored


@dataclass(frozen=True, slots=True)
class ShownBody:
    text: str  # what to put in <pre>; autoescaped by the template
    kind: str  # "json", "text", "binary", "empty", "purged"
    note: str


def show_body(
    text: str | None, encoding: str, size: int, truncated: bool, purged: bool
) -> ShownBody:
    if purged or text is None:
        return ShownBody("", "purged", "Body purged by the retention policy.")
    cut = f" Cut at the storage limit; the original had {size} bytes." if truncated else ""
    if encoding == "base64":
        return ShownBody("", "binary", f"Binary body, {size} bytes (not shown).{cut}")
    if not text:
        return ShownBody("", "empty", "No body.")
    if not truncated:
        try:
            pretty = orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2).decode()
            return ShownBody(pretty, "json", cut.strip())
        except (orjson.JSONDecodeError, orjson.JSONEncodeError, TypeError):
            pass  # not JSON, or nested deeper than orjson handles: show it as it came
    return ShownBody(text, "text", cut.strip())


def curl_command(method: str, url: str, headers: list[Any], body: str | None, encoding: str) -> str:
    """A copy-pasteable command with the already masked headers; never a real credential."""
    parts = [f"curl -X {shlex.quote(method)} {shlex.quote(url)}"]
    for pair in headers:
        name, value = str(pair[0]), str(pair[1])
        if name.lower() in ("content-length", "host"):
            continue
        parts.append("-H " + shlex.quote(f"{name}: {value}"))
    if body and encoding == "utf-8":
        parts.append("--data-raw " + shlex.quote(body))
    elif body:
        parts.append("# binary body not included")
    return " \\\n  ".join(parts)
