"""Refuse requests no endpoint could handle safely, before any endpoint runs.

Two things are checked once here instead of in every form and API model:

- **Size.** A body above ``ERPGATE_MAX_REQUEST_BODY_BYTES`` gets 413; nothing unbounded is read
  into memory. (The largest legitimate body is the customers CSV upload, capped at 5 MB itself.)
- **NUL characters** in the path, the query string, or a form or JSON body get 422. PostgreSQL
  cannot store NUL in text (the insert or even a lookup fails), no user types one, and refusing it
  here gives SQLite and PostgreSQL the same clear answer. Uploaded files (multipart) are passed
  through: the CSV import refuses NUL itself with a message about the file.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from erpgate.web.responses import dumps, wants_json

NUL_MESSAGE = "Text may not contain the NUL character (U+0000)."
# How a NUL looks in each body type we parse: form fields percent-encode it, JSON escapes it
# (a raw NUL is not valid JSON either, and so is refused too).
_NUL_MARKS: dict[str, tuple[bytes, ...]] = {
    "application/x-www-form-urlencoded": (b"%00", b"\x00"),
    "application/json": (b"\\u0000", b"\x00"),
}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _content_type(scope: Scope) -> str:
    value = _header(scope, b"content-type") or b""
    return value.split(b";", 1)[0].strip().lower().decode("latin-1")


def _content_length(scope: Scope) -> int | None:
    try:
        return int(_header(scope, b"content-length") or b"")
    except ValueError:
        return None


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            await _refuse(scope, send, 422, NUL_MESSAGE)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _refuse(scope, send, 413, self._too_large())
            return
        marks = _NUL_MARKS.get(_content_type(scope))
        if marks is None:
            # Nothing to inspect (no body, or an upload): stream it, stopping at the limit.
            await self.app(scope, _capped(receive, self.max_body_bytes), send)
            return
        # Read the (bounded) body once, check it, then hand the same bytes to the app.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _refuse(scope, send, 413, self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if marks is not None and any(mark in body for mark in marks):
            await _refuse(scope, send, 422, NUL_MESSAGE)
            return
        await self.app(scope, _replay(body, receive), send)

    def _too_large(self) -> str:
        megabytes = self.max_body_bytes / (1024 * 1024)
        return f"The request body is larger than {megabytes:g} MB."


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # later reads wait for the client's disconnect

    return replay


def _capped(receive: Receive, limit: int) -> Receive:
    """Streamed bodies without (or beyond) a Content-Length: stop at the limit, read no further."""
    size = 0

    async def capped() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            return {"type": "http.disconnect"}
        return message

    return capped


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    error = "validation_failed" if status == 422 else "payload_too_large"
    if wants_json(HTTPConnection(scope)):
        body = dumps({"error": error, "message": message})
        media_type = b"application/json"
    else:
        # A plain page: these requests come from tools, not from anything our pages send.
        body = f"<!doctype html><title>Request refused</title><p>{message}</p>".encode()
        media_type = b"text/html; charset=utf-8"
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", media_type),
        (b"content-length", str(len(body)).encode()),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
