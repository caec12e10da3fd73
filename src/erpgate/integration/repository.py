"""Every query on integration."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.integration import Integration


async def get_for_store(db: AsyncSession, store_id: uuid.UUID) -> Integration | None:
    result = await db.execute(select(Integration).where(Integration.store_id == store_id))
    return result.scalar_one_or_none()


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
