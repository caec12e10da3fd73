"""Queries of the integration health page over the event table (read-only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.event import Event


async def recent_calls(
    db: AsyncSession, store_id: uuid.UUID, since: datetime
) -> list[tuple[str, str, datetime, float]]:
    """(endpoint, outcome, occurred_at, duration_ms) of every event since ``since``."""
    result = await db.execute(
        select(Event.endpoint, Event.outcome, Event.occurred_at, Event.duration_ms).where(
            Event.store_id == store_id, Event.occurred_at >= since
        )
    )
    return [(e, o, at, float(d)) for e, o, at, d in result]


async def last_success_per_endpoint(db: AsyncSession, store_id: uuid.UUID) -> dict[str, datetime]:
    result = await db.execute(
        select(Event.endpoint, func.max(Event.occurred_at))
        .where(Event.store_id == store_id, Event.outcome != "error")
        .group_by(Event.endpoint)
    )
    return {endpoint: at for endpoint, at in result if at is not None}


async def last_error(db: AsyncSession, store_id: uuid.UUID, endpoint: str) -> Event | None:
    result = await db.execute(
        select(Event)
        .where(Event.store_id == store_id, Event.endpoint == endpoint, Event.outcome == "error")
        .order_by(Event.occurred_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()
