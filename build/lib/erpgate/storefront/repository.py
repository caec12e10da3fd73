"""Every query of the storefront domain: API keys, buyer look-ups."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.admin_user import AdminUser
from erpgate.models.api_key import ApiKey
from erpgate.models.user import User


async def users_by_email(db: AsyncSession, email: str) -> list[User]:
    result = await db.execute(select(User).where(User.email == email))
    return list(result.scalars())


async def admin_email(db: AsyncSession, admin_id: uuid.UUID) -> str | None:
    result = await db.execute(select(AdminUser.email).where(AdminUser.id == admin_id))
    return result.scalar_one_or_none()


async def add_api_key(db: AsyncSession, key: ApiKey) -> ApiKey:
    db.add(key)
    await db.flush()
    return key


async def find_api_key(db: AsyncSession, digest: str) -> ApiKey | None:
    result = await db.execute(
        select(ApiKey).where(ApiKey.key_digest == digest, ApiKey.revoked_at.is_(None))
    )
    return result.scalar_one_or_none()


async def get_api_key(db: AsyncSession, store_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
    result = await db.execute(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.store_id == store_id)
    )
    return result.scalar_one_or_none()


async def list_api_keys(db: AsyncSession, store_id: uuid.UUID) -> list[ApiKey]:
    result = await db.execute(
        select(ApiKey).where(ApiKey.store_id == store_id).order_by(ApiKey.created_at.desc())
    )
    return list(result.scalars())
