"""Every query of the admin console: admin_user, audit_log, and the health figures over event."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.aggregates import as_utc_hour, percentile_by_group, utc_hour
from erpgate.models.admin_user import AdminUser
from erpgate.models.audit_log import AuditLog
from erpgate.models.event import Event


async def find_by_email(db: AsyncSession, email: str) -> list[AdminUser]:
    result = await db.execute(
        select(AdminUser).where(func.lower(AdminUser.email) == email.strip().lower())
    )
    return list(result.scalars())


async def get(db: AsyncSession, admin_id: uuid.UUID) -> AdminUser | None:
    return await db.get(AdminUser, admin_id)


async def add(db: AsyncSession, admin: AdminUser) -> AdminUser:
    db.add(admin)
    await db.flush()
    return admin


async def list_for_store(db: AsyncSession, store_id: uuid.UUID) -> list[AdminUser]:
    result = await db.execute(
        select(AdminUser).where(AdminUser.store_id == store_id).order_by(AdminUser.email)
    )
    return list(result.scalars())


# audit_log


async def add_audit_entry(db: AsyncSession, row: AuditLog) -> AuditLog:
    db.add(row)
    await db.flush()
    return row


async def list_audit_entries(
    db: AsyncSession, store_id: uuid.UUID, *, action: str | None, offset: int, limit: int
) -> tuple[list[AuditLog], int]:
    query = select(AuditLog).where(AuditLog.store_id == store_id)
    if action:
        query = query.where(AuditLog.action == action)
    total = (await db.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await db.execute(
        query.order_by(AuditLog.occurred_at.desc(), AuditLog.id).offset(offset).limit(limit)
    )
    return list(rows.scalars()), int(total)


# Integration health, read from the event table


async def hourly_counts(
    db: AsyncSession, store_id: uuid.UUID, since: datetime
) -> list[tuple[str, datetime, int, int]]:
    """(endpoint, UTC hour, calls, errors) per endpoint and hour since ``since``, counted in SQL."""
    hour = utc_hour(db, Event.occurred_at)
    errors = func.sum(case((Event.outcome == "error", 1), else_=0))
    result = await db.execute(
        select(Event.endpoint, hour, func.count(), errors)
        .where(Event.store_id == store_id, Event.occurred_at >= since)
        .group_by(Event.endpoint, hour)
    )
    return [(e, as_utc_hour(h), int(c), int(x or 0)) for e, h, c, x in result]


async def hourly_p95(
    db: AsyncSession, store_id: uuid.UUID, since: datetime
) -> dict[tuple[str, datetime], float]:
    """The 95th percentile of the duration (ms) per endpoint and UTC hour, computed in SQL."""
    rows = await percentile_by_group(
        db,
        Event.duration_ms,
        [Event.endpoint, utc_hour(db, Event.occurred_at)],
        [Event.store_id == store_id, Event.occurred_at >= since],
        95,
    )
    return {(e, as_utc_hour(h)): float(v) for e, h, v in rows}


async def p95_per_endpoint(
    db: AsyncSession, store_id: uuid.UUID, since: datetime
) -> dict[str, float]:
    rows = await percentile_by_group(
        db,
        Event.duration_ms,
        [Event.endpoint],
        [Event.store_id == store_id, Event.occurred_at >= since],
        95,
    )
    return {e: float(v) for e, v in rows}


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
