"""Queue e-mails the way the recorder does, for the worker and backend tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.endpoints import Endpoint
from erpgate.models.notification import Notification
from erpgate.notification.service import AlertCache, ErrorOccurrence, on_integration_error

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
    row = await on_integration_error(
        db,
        ErrorOccurrence(
            store_id=store_id,
            event_id=uuid.uuid4(),
            endpoint=endpoint,
            event_type=endpoint.event_type,
            error="ERP did not answer within 5.0 s",
            error_kind=kind,
            customer_code="C0004935",
            trace_id=trace_id,
            occurred_at=now,
        ),
        now=now,
        throttle_minutes=15,
        public_url="https://shop.example.com",
        cache=AlertCache(),
    )
    await db.commit()
    return row
