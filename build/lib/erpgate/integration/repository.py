"""Every query on integration."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.integration import Integration
from erpgate.models.store import Store


async def get_for_store(db: AsyncSession, store_id: uuid.UUID) -> Integration | None:
    result = await db.execute(select(Integration).where(Integration.store_id == store_id))
    return result.scalar_one_or_none()


async def get_with_store_slug(
    db: AsyncSession, store_id: uuid.UUID
) -> tuple[Integration | None, str]:
    """The store's integration (if any) and the store's slug, in one query."""
    result = await db.execute(
        select(Store.slug, Integration)
        .outerjoin(Integration, Integration.store_id == Store.id)
        .where(Store.id == store_id)
    )
    row = result.first()
    if row is None:
        return None, ""
    return row[1], row[0]


async def list_with_secrets(db: AsyncSession) -> list[Integration]:
    result = await db.execute(
        select(Integration).where(
            (Integration.key_encrypted.is_not(None)) | (Integration.token_encrypted.is_not(None))
        )
    )
    return list(result.scalars())


async def add(db: AsyncSession, integration: Integration) -> Integration:
    db.add(integration)
    await db.flush()
    return integration
