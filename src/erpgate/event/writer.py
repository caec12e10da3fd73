"""The related-request writer: the ERP client's attempt sink, storing attempts in batches."""

from __future__ import annotations

import uuid
from typing import Any

from erpgate.db.engine import SessionFactory, transaction
from erpgate.erp.attempts import AttemptRecord
from erpgate.event import repository
from erpgate.event.batching import BatchWriter, QueuedWrites
from erpgate.event.bodies import store_body, store_headers


def request_row(attempt: AttemptRecord, cap: int) -> dict[str, Any]:
    request = store_body(attempt.request_body, cap)
    response = store_body(attempt.response_body, cap, already_truncated=attempt.response_truncated)
    return {
        "id": uuid.uuid4(),
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


class RequestWriter(QueuedWrites[AttemptRecord]):
    """Implements ``erp.attempts.AttemptSink``: ``record`` only enqueues, never waits."""

    def __init__(self, session_factory: SessionFactory, *, queue_size: int, body_cap: int) -> None:
        self.session_factory = session_factory
        self.body_cap = body_cap
        self.batches: BatchWriter[AttemptRecord] = BatchWriter(
            "related_request", self._write, maxsize=queue_size
        )

    def record(self, attempt: AttemptRecord) -> None:
        # Attempts outside any store (the conformance checker) have no admin to show them to.
        if attempt.store_id is not None:
            self.batches.put(attempt)

    async def _write(self, attempts: list[AttemptRecord]) -> None:
        # Rows are built here, in the background task, so the caller's path stays a queue put.
        rows = [request_row(attempt, self.body_cap) for attempt in attempts]
        async with transaction(self.session_factory) as db:
            await repository.insert_requests(db, rows)
