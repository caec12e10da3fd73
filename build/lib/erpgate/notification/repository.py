"""Every query of the notification domain: the outbox rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.kit.clock import ensure_utc
from erpgate.models.alert_route import AlertRoute
from erpgate.models.notification import Notification


async def add(db: AsyncSession, row: Any) -> None:
    db.add(row)
    await db.flush()


def _claimable(now: datetime) -> Any:
    return or_(
        and_(Notification.status == "queued", Notification.next_attempt_at <= now),
        and_(Notification.status == "sending", Notification.lease_expires_at <= now),
    )


async def claimable_ids(
    db: AsyncSession, now: datetime, limit: int, *, skip_locked: bool
) -> list[uuid.UUID]:
    query = (
        select(Notification.id)
        .where(_claimable(now))
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list((await db.execute(query)).scalars())


async def claim(
    db: AsyncSession, notification_id: uuid.UUID, now: datetime, lease_until: datetime, token: str
) -> bool:
    """Conditional claim: only one worker's UPDATE matches, whatever the database."""
    result = await db.execute(
        update(Notification)
        .where(Notification.id == notification_id, _claimable(now))
        .values(
            status="sending",
            claim_token=token,
            lease_expires_at=lease_until,
            attempts=Notification.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def get_many(db: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Notification]:
    if not ids:
        return []
    query = select(Notification).where(Notification.id.in_(ids))
    return list((await db.execute(query)).scalars())


async def finish(db: AsyncSession, notification_id: uuid.UUID, token: str, **values: Any) -> bool:
    """Record the outcome, but only while this worker still holds the claim."""
    result = await db.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def backlog(db: AsyncSession) -> list[tuple[str, int, datetime | None]]:
    """(channel, rows waiting, oldest creation time) of the rows queued or being sent."""
    query = (
        select(Notification.channel, func.count(), func.min(Notification.created_at))
        .where(Notification.status.in_(("queued", "sending")))
        .group_by(Notification.channel)
    )
    return [
        (channel, int(n), ensure_utc(first) if first else None)
        for channel, n, first in await db.execute(query)
    ]


async def list_for_store(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    offset: int,
    channel: str | None = None,
) -> list[Notification]:
    query = select(Notification).where(Notification.store_id == store_id)
    if status:
        query = query.where(Notification.status == status)
    if channel:
        query = query.where(Notification.channel == channel)
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return list((await db.execute(query.limit(limit).offset(offset))).scalars())


async def purge_finished(db: AsyncSession, before: datetime) -> int:
    result = await db.execute(
        delete(Notification).where(
            Notification.created_at < before,
            Notification.status.in_(("sent", "failed", "skipped")),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# alert routes


async def routes_of(db: AsyncSession, store_id: uuid.UUID) -> list[AlertRoute]:
    query = (
        select(AlertRoute)
        .where(AlertRoute.store_id == store_id)
        .order_by(AlertRoute.created_at, AlertRoute.id)
    )
    return list((await db.execute(query)).scalars())


async def route(db: AsyncSession, store_id: uuid.UUID, route_id: uuid.UUID) -> AlertRoute | None:
    query = select(AlertRoute).where(AlertRoute.id == route_id, AlertRoute.store_id == store_id)
    return (await db.execute(query)).scalar_one_or_none()


async def route_by_id(db: AsyncSession, route_id: uuid.UUID) -> AlertRoute | None:
    return await db.get(AlertRoute, route_id)


async def all_routes(db: AsyncSession) -> list[AlertRoute]:
    return list((await db.execute(select(AlertRoute))).scalars())


async def delete_route(db: AsyncSession, row: AlertRoute) -> None:
    await db.delete(row)
    await db.flush()
