"""Identifiers: row ids, trace ids, outbound request ids, opaque tokens.

Row ids and trace ids are time-ordered: they begin with the Unix time in milliseconds and end in
random bits. The tables written on every ERP call (events, related requests, saved answers) are
indexed by them: an index whose new keys all land at one edge keeps a few hot pages per batch,
where random keys land on a different page each, all over the index, on every flush
(bench/RESULTS.notes, "Writer pass"). Neither id is a secret; both only say when they were made.
"""

from __future__ import annotations

import os
import secrets
import time
import uuid

_RAND_B_BITS = 62
_RAND_A_BITS = 12


def new_uuid() -> uuid.UUID:
    """A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, the version, 12 random bits,
    the variant, 62 random bits."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = (rand >> _RAND_B_BITS) & ((1 << _RAND_A_BITS) - 1)
    rand_b = rand & ((1 << _RAND_B_BITS) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def new_trace_id() -> str:
    """A W3C trace id (32 hex chars): 12 of Unix milliseconds, then 80 random bits (the W3C
    wants the right-most 56 random)."""
    millis = time.time_ns() // 1_000_000
    return f"{millis & 0xFFFFFFFFFFFF:012x}{secrets.token_hex(10)}"


def new_span_id() -> str:
    return secrets.token_hex(8)


def new_request_id() -> str:
    """Id of one outbound ERP request, sent as X-Request-Id and shown under related requests."""
    return "req_" + secrets.token_hex(10)


def traceparent(trace_id: str, span_id: str) -> str:
    return f"00-{trace_id}-{span_id}-01"


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
