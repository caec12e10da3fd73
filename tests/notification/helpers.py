"""Queue e-mails the way a problem does, for the worker and backend tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.endpoints import Endpoint
from erpgate.models.notification import Notification
from erpgate.notification.compose import ProblemFacts, problem_opened_mail
from erpgate.notification.service import queue_mail

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def queue_error(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    now: datetime = T0,
    kind: str = "timeout",
    endpoint: Endpoint = Endpoint.ORDERS,
    trace_id: str = "7" * 32,
) -> Notification | None:
    """An "opened" e-mail of a problem of ``kind`` (its code ``trace_id``), committed."""
    problem_id = uuid.uuid4()
    subject, body = problem_opened_mail(
        ProblemFacts(
            endpoint=endpoint,
            error="ERP did not answer within 5.0 s",
            error_kind=kind,
            customer_code="C0004935",
            opened_at=now,
            last_seen=now,
            occurrences=1,
            refusals=0,
            customers=1,
            reference=trace_id,
            problem_url=f"https://shop.example.com/admin/problems/{problem_id}",
        )
    )
    row = await queue_mail(
        db,
        store_id=store_id,
        kind="opened",
        endpoint=endpoint,
        subject=subject,
        body=body,
        now=now,
        problem_id=problem_id,
    )
    await db.commit()
    return row
