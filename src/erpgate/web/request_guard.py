"""Refuse requests no endpoint could handle safely, before any endpoint runs.

Two things are checked once here instead of in every form and API model:

- **Size.** A body above ``ERPGATE_MAX_REQUEST_BODY_BYTES`` gets 413; nothing unbounded is read
  into memory. (The largest legitimate body is the customers CSV upload, capped at 5 MB itself.)
- **NUL characters** in the path, the query string, or any body the app parses get 422.
  PostgreSQL cannot store NUL in text (the insert or even a lookup fails), no user types one, and
  refusing it here gives SQLite and PostgreSQL the same clear answer. The check runs on what is
  parsed, with the parsers the endpoints use, for every body kind they parse: JSON (FastAPI reads
  ``application/json``, any ``application/*+json`` and a body without a content type as JSON),
  URL-encoded forms, and multipart forms (field names, values and file names; the content of an
  uploaded file is the endpoint's to judge: the CSV import refuses NUL with a message about the
  file). Other bodies (the CSV import's ``text/csv``) are streamed through.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from erpgate.web.responses import dumps, wants_json

NUL_MESSAGE = "Text may not contain the NUL character (U+0000)."
NUL = "\x00"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _content_type(scope: Scope) -> str:
    value = _header(scope, b"content-type") or b""
    return value.split(b";", 1)[0].strip().lower().decode("latin-1")


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    if not raw:  # every GET: no exception raised and caught for it
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def _body_kind(content_type: str) -> str | None:
    """How the app parses a body of this content type; None for bodies it does not parse."""
    if not content_type:
        return "json"  # FastAPI reads a body without a content type as JSON
    main, _, sub = content_type.partition("/")
    if main == "application" and (sub == "json" or sub.endswith("+json")):
        return "json"
    if content_type == "application/x-www-form-urlencoded":
        return "form"
    if content_type == "multipart/form-data":
        return "multipart"
    return None


def _pairs_hold_nul(query: str) -> bool:
    # Decoding makes a NUL only of a NUL or "%00": without either there is nothing to decode.
    if NUL not in query and "%00" not in query:
        return False
    return any(NUL in name or NUL in value for name, value in parse_qsl(query, True))


def _json_holds_nul(body: bytes) -> bool:
    try:
        value = json.loads(body)  # the parser Starlette's Request.json() uses
    except (ValueError, RecursionError):
        return False  # not JSON: the endpoint refuses it itself
    pending = [value]
    while pending:  # no recursion: nesting depth is the sender's choice
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


async def _multipart_holds_nul(scope: Scope, body: bytes) -> bool:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(Headers(scope=scope), stream())  # the one request.form() uses
    try:
        form = await parser.parse()
    except MultiPartException:
        return False  # malformed: the endpoint refuses it itself
    try:
        for name, value in form.multi_items():
            text = value if isinstance(value, str) else (value.filename or "")
            if NUL in name or NUL in text:
                return True
        return False
    finally:
        await form.close()


async def _holds_nul(scope: Scope, kind: str, body: bytes) -> bool:
    if kind == "json":
        return _json_holds_nul(body)
    if kind == "form":
        return _pairs_hold_nul(body.decode("latin-1"))
    return await _multipart_holds_nul(scope, body)


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = bytes(scope["query_string"]).decode("latin-1")
        if NUL in scope["path"] or _pairs_hold_nul(query):
            await _refuse(scope, send, 422, NUL_MESSAGE)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _refuse(scope, send, 413, self._too_large())
            return
        if not declared and _header(scope, b"transfer-encoding") is None:
            # No body (in HTTP/1.1 a request without either header has none): nothing to read or
            # check. Most requests (every GET) are these.
            await self.app(scope, receive, send)
            return
        kind = _body_kind(_content_type(scope))
        if kind is None:
            # Nothing to inspect (an upload the endpoint reads itself): stream it, stopping at
            # the limit.
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
        if body and await _holds_nul(scope, kind, body):
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
