"""Every query on customer_account and user. Every lookup is scoped to one store."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.customer_account import CustomerAccount
from erpgate.models.user import User


async def get_account(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID
) -> CustomerAccount | None:
    result = await db.execute(
        select(CustomerAccount).where(
            CustomerAccount.store_id == store_id, CustomerAccount.id == account_id
        )
    )
    return result.scalar_one_or_none()


async def get_account_by_code(
    db: AsyncSession, store_id: uuid.UUID, customer_code: str
) -> CustomerAccount | None:
    result = await db.execute(
        select(CustomerAccount).where(
            CustomerAccount.store_id == store_id, CustomerAccount.customer_code == customer_code
        )
    )
    return result.scalar_one_or_none()


async def get_user(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    result = await db.execute(select(User).where(User.store_id == store_id, User.id == user_id))
    return result.scalar_one_or_none()


async def get_user_by_email(db: AsyncSession, store_id: uuid.UUID, email: str) -> User | None:
    result = await db.execute(
        select(User).where(User.store_id == store_id, func.lower(User.email) == email.lower())
    )
    return result.scalar_one_or_none()


async def add(db: AsyncSession, row: CustomerAccount | User) -> None:
    db.add(row)
    await db.flush()
