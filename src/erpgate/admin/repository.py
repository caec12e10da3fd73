"""Every query on admin_user."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.admin_user import AdminUser


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
