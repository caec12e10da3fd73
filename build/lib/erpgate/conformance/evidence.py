"""A failure's evidence: the ERP's status and answer body as the reports show them.

Attempt records hold the exchange as it went over the wire, secrets included; the body shown is
taken from ``erpgate.erp.attempts.masked`` and cut to a few hundred characters, around the
offending value when the rule names one.
"""

from __future__ import annotations

from erpgate.conformance.results import ShownAnswer
from erpgate.erp.attempts import AttemptRecord, masked

ANSWER_CHARS = 600
LEAD_CHARS = 120  # how much of the answer is shown before the offending value


def shown_answer(attempt: AttemptRecord, focus: str | None = None) -> ShownAnswer:
    """The attempt's status and masked body, cut to ``ANSWER_CHARS`` (around ``focus``)."""
    record = masked(attempt)
    body = record.response_body
    return ShownAnswer(
        request_id=record.request_id,
        status=record.status,
        body=_excerpt(body, focus, cut_at_cap=record.response_truncated),
        size=len(body),
        error=record.error if record.status is None else None,
    )


def _excerpt(body: bytes, focus: str | None, *, cut_at_cap: bool) -> str:
    if not body:
        return ""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"binary body, {len(body)} bytes"
    if "\x00" in text:
        return f"binary body, {len(body)} bytes"
    start = 0
    if focus:
        at = text.find(focus)
        if at + len(focus) > ANSWER_CHARS:
            # Start at the object holding the value, so the reader sees the whole row.
            start = max(text.rfind("{", 0, at), at - LEAD_CHARS, 0)
    shown = text[start : start + ANSWER_CHARS]
    if start:
        shown = "…" + shown
    if start + ANSWER_CHARS < len(text):
        shown += f"… ({len(body)} bytes in all)"
    elif cut_at_cap:
        shown += " … (cut at the size cap)"
    return shown
