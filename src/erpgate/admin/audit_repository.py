"""Every query on audit_log."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.audit_log import AuditLog


async def add(db: AsyncSession, row: AuditLog) -> AuditLog:
    db.add(row)
    await db.flush()
    return row


async def list_for_store(
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
