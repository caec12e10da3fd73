"""Every query on store."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.store import Store


async def get_by_id(db: AsyncSession, store_id: uuid.UUID) -> Store | None:
    return await db.get(Store, store_id)


async def get_by_slug(db: AsyncSession, slug: str) -> Store | None:
    result = await db.execute(select(Store).where(Store.slug == slug))
    return result.scalar_one_or_none()


async def list_all(db: AsyncSession) -> list[Store]:
    result = await db.execute(select(Store).order_by(Store.slug))
    return list(result.scalars())


async def add(db: AsyncSession, store: Store) -> Store:
    db.add(store)
    await db.flush()
    return store
