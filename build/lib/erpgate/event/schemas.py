"""JSON shapes of the events API."""

from __future__ import annotations

from typing import Any

from erpgate.event.bodies import curl_command, show_body
from erpgate.models.event import Event
from erpgate.models.related_request import RelatedRequest


def event_json(event: Event) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "type": event.type,
        "outcome": event.outcome,
        "source": event.source,
        "occurred_at": event.occurred_at.isoformat(),
        "trace_id": event.trace_id,
        "reference": event.reference,
        "problem_id": str(event.problem_id) if event.problem_id else None,
        "endpoint": event.endpoint,
        "customer_code": event.customer_code,
        "user_id": str(event.user_id) if event.user_id else None,
        "customer_account_id": str(event.customer_account_id)
        if event.customer_account_id
        else None,
        "impersonator_admin_id": str(event.impersonator_admin_id)
        if event.impersonator_admin_id
        else None,
        "error": event.error,
        "error_kind": event.error_kind,
        "duration_ms": round(event.duration_ms, 1),
        # False: a success whose related requests were sampled out (none will appear).
        "requests_kept": event.requests_kept,
        "data": event.data,
    }


def request_summary_json(row: RelatedRequest) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "request_id": row.request_id,
        "trace_id": row.trace_id,
        "method": row.method,
        "endpoint": row.endpoint,
        "url": row.url,
        "status": row.status,
        "started_at": row.started_at.isoformat(),
        "duration_ms": round(row.duration_ms, 1),
        "attempt": row.attempt,
        "error": row.error,
    }


def request_json(row: RelatedRequest) -> dict[str, Any]:
    body: dict[str, Any] = request_summary_json(row)
    body.update(
        request_headers=row.request_headers,
        request_body=row.request_body,
        request_body_encoding=row.request_body_encoding,
        request_body_size=row.request_body_size,
        request_truncated=row.request_truncated,
        response_headers=row.response_headers,
        response_body=row.response_body,
        response_body_encoding=row.response_body_encoding,
        response_body_size=row.response_body_size,
        response_truncated=row.response_truncated,
        bodies_purged=row.bodies_purged,
        curl=curl_command(
            row.method, row.url, row.request_headers, row.request_body, row.request_body_encoding
        ),
    )
    return body


def request_view(row: RelatedRequest) -> dict[str, Any]:
    """What the request page shows: bodies pretty-printed where they are JSON."""
    return {
        "request_body": show_body(
            row.request_body,
            row.request_body_encoding,
            row.request_body_size,
            row.request_truncated,
            row.bodies_purged,
        ),
        "response_body": show_body(
            row.response_body,
            row.response_body_encoding,
            row.response_body_size,
            row.response_truncated,
            row.bodies_purged,
        ),
        "curl": curl_command(
            row.method, row.url, row.request_headers, row.request_body, row.request_body_encoding
        ),
    }
