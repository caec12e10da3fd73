"""Attempt records: one per outbound HTTP attempt, carried home inside the call's ``Outcome``.

A record holds the exchange exactly as it went over the wire, secrets included, because masking
costs CPU and most records are never kept (sampled out, or a conformance rule that only reads the
status). Whoever keeps or shows a record masks it first with ``masked``: the events writer before
it stores a related request, the checker before it prints one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

import orjson

from erpgate.kit.redaction import MASK, mask_url, masker_for

TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")


@dataclass(slots=True)
class AttemptRecord:
    request_id: str
    trace_id: str
    store_id: UUID | None
    endpoint: str
    method: str
    url: str
    started_at: datetime
    duration_ms: float
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""  # capped by the gateway at its response cap
    response_truncated: bool = False
    error: str | None = None  # the human sentence when this attempt failed
    attempt: int = 1
    # What masking must hide: the store's secrets, plus the access token used or obtained.
    secrets: tuple[str, ...] = ()
    secret_header_names: tuple[str, ...] = ()  # the custom header of the `header` auth style
    token_answer: bool = False  # the OAuth2 token URL's answer: its token fields are masked too


def masked(record: AttemptRecord) -> AttemptRecord:
    """A copy fit to store or show: URL userinfo and secret parameters, credential headers, and
    every known secret, in every form an ERP may echo it (``kit.redaction.SecretMasker``),
    replaced by the mask in headers, bodies, the URL and the error."""
    masker = masker_for(record.secrets, record.secret_header_names)
    response_body = record.response_body
    if record.token_answer:
        response_body = _mask_token_fields(response_body)
    return replace(
        record,
        url=masker.mask_text(mask_url(record.url)),
        request_headers=masker.mask_headers(record.request_headers),
        request_body=masker.mask_bytes(record.request_body),
        response_headers=masker.mask_headers(record.response_headers),
        response_body=masker.mask_bytes(response_body),
        error=masker.mask_text(record.error) if record.error else record.error,
        secrets=(),
    )


def _mask_token_fields(body: bytes) -> bytes:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(parsed, dict):
        return body
    changed = False
    for name in TOKEN_FIELDS:
        if isinstance(parsed.get(name), str):
            parsed[name] = MASK
            changed = True
    return orjson.dumps(parsed) if changed else body
