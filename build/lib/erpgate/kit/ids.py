"""Identifiers: trace ids (the buyer's reference code), outbound request ids, opaque tokens."""

from __future__ import annotations

import secrets
import uuid


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


def new_trace_id() -> str:
    """A W3C trace id (32 hex chars); shown to buyers as the reference code."""
    return secrets.token_hex(16)


def new_span_id() -> str:
    return secrets.token_hex(8)


def new_request_id() -> str:
    """Id of one outbound ERP request, sent as X-Request-Id and shown under related requests."""
    return "req_" + secrets.token_hex(10)


def traceparent(trace_id: str, span_id: str) -> str:
    return f"00-{trace_id}-{span_id}-01"


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def short_reference(trace_id: str) -> str:
    """The trace id as a buyer reads it aloud: grouped, upper case."""
    head = trace_id[:12].upper()
    return f"{head[:4]}-{head[4:8]}-{head[8:12]}"
