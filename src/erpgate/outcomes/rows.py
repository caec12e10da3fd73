"""Outcomes as table rows: the event, its related requests (masked here, only for what is kept)."""

from __future__ import annotations

import uuid
from typing import Any

from erpgate.erp.attempts import AttemptRecord, masked
from erpgate.erp.outcome import Outcome
from erpgate.event.bodies import store_body, store_headers
from erpgate.kit.ids import new_uuid

TEST_EVENT_TYPE = "integration.test"


def event_type(outcome: Outcome[Any]) -> str:
    """``erp.orders.list`` and the like; a Test integration call is ``integration.test.orders``
    (the endpoint it hit), which the events filter ``integration.test`` still finds."""
    if outcome.call.actor.source == "admin test":
        return f"{TEST_EVENT_TYPE}.{outcome.call.endpoint.value}"
    return outcome.call.endpoint.event_type


def outcome_name(outcome: Outcome[Any]) -> str:
    if outcome.ok:
        return "success"
    return "not_found" if outcome.not_found else "error"


def event_row(
    outcome: Outcome[Any],
    event_id: uuid.UUID,
    *,
    problem_id: uuid.UUID | None,
    reference: str | None,
    requests_kept: bool = True,
) -> dict[str, Any]:
    actor = outcome.call.actor
    error = outcome.error
    failed = error is not None and outcome.failed
    # The event data the product documents is derived from these columns (Event.data).
    return {
        "id": event_id,
        "store_id": outcome.target.store_id,
        "type": event_type(outcome),
        "outcome": outcome_name(outcome),
        "source": actor.source,
        "occurred_at": outcome.started_at,
        "trace_id": outcome.trace_id,
        "reference": reference,
        "problem_id": problem_id,
        "endpoint": outcome.call.endpoint.value,
        "customer_code": actor.customer_code,
        "user_id": actor.user_id,
        "customer_account_id": actor.customer_account_id,
        "impersonator_admin_id": actor.impersonator_admin_id,
        "error": error.human if failed and error is not None else "",
        "error_kind": error.kind if failed and error is not None else None,
        "duration_ms": round(outcome.duration_ms, 3),
        "requests_kept": requests_kept,
    }


def request_row(attempt: AttemptRecord, cap: int) -> dict[str, Any]:
    attempt = masked(attempt)
    request = store_body(attempt.request_body, cap)
    response = store_body(attempt.response_body, cap, already_truncated=attempt.response_truncated)
    return {
        "id": new_uuid(),
        "store_id": attempt.store_id,
        "trace_id": attempt.trace_id[:64],
        "request_id": attempt.request_id[:64],
        "endpoint": attempt.endpoint[:16],
        "method": attempt.method[:16],
        "url": attempt.url,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "duration_ms": attempt.duration_ms,
        "attempt": attempt.attempt,
        "error": attempt.error,
        "request_headers": store_headers(attempt.request_headers),
        "request_body": request.text,
        "request_body_encoding": request.encoding,
        "request_body_size": request.size,
        "request_truncated": request.truncated,
        "response_headers": store_headers(attempt.response_headers),
        "response_body": response.text,
        "response_body_encoding": response.encoding,
        "response_body_size": response.size,
        "response_truncated": response.truncated,
        "bodies_purged": False,
    }
