"""Every query of the admin console: admin_user, audit_log, and the health figures over event."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

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
