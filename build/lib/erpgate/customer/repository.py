"""Every query on customer_account and user. Every lookup is scoped to one store."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from erpgate.models.customer_account import CustomerAccount
from erpgate.models.customer_address import CustomerAddress
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


async def add(db: AsyncSession, row: CustomerAccount | CustomerAddress | User) -> None:
    db.add(row)
    await db.flush()


def _contains(
    column: ColumnElement[str] | QueryableAttribute[str], term: str
) -> ColumnElement[bool]:
    # Portable case-insensitive substring match; % and _ typed by the admin are literal.
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


async def search_accounts(
    db: AsyncSession, store_id: uuid.UUID, term: str, *, offset: int, limit: int
) -> tuple[list[CustomerAccount], int]:
    query = select(CustomerAccount).where(CustomerAccount.store_id == store_id)
    if term:
        query = query.where(
            or_(
                _contains(CustomerAccount.name, term),
                _contains(CustomerAccount.customer_code, term),
                _contains(func.coalesce(CustomerAccount.seller_reference, ""), term),
            )
        )
    total = (await db.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await db.execute(
        query.order_by(CustomerAccount.name, CustomerAccount.id).offset(offset).limit(limit)
    )
    return list(rows.scalars()), int(total)


async def search_users(
    db: AsyncSession,
    store_id: uuid.UUID,
    term: str,
    *,
    customer_account_id: uuid.UUID | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[User, CustomerAccount]], int]:
    query = (
        select(User, CustomerAccount)
        .join(CustomerAccount, CustomerAccount.id == User.customer_account_id)
        .where(User.store_id == store_id, CustomerAccount.store_id == store_id)
    )
    if customer_account_id is not None:
        query = query.where(User.customer_account_id == customer_account_id)
    if term:
        query = query.where(
            or_(
                _contains(User.email, term),
                _contains(User.name, term),
                _contains(CustomerAccount.customer_code, term),
                _contains(CustomerAccount.name, term),
            )
        )
    total = (await db.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await db.execute(query.order_by(User.email, User.id).offset(offset).limit(limit))
    return [(user, account) for user, account in rows], int(total)


async def existing_codes(db: AsyncSession, store_id: uuid.UUID) -> dict[str, uuid.UUID]:
    result = await db.execute(
        select(CustomerAccount.customer_code, CustomerAccount.id).where(
            CustomerAccount.store_id == store_id
        )
    )
    return {code: account_id for code, account_id in result}


async def existing_emails(db: AsyncSession, store_id: uuid.UUID) -> set[str]:
    result = await db.execute(select(func.lower(User.email)).where(User.store_id == store_id))
    return set(result.scalars())


async def insert_many(
    db: AsyncSession, model: type[CustomerAccount | User], rows: Sequence[dict[str, Any]]
) -> None:
    """New rows from column values (the columns' defaults fill the rest), without ORM objects."""
    await db.execute(insert(model), list(rows))


async def list_addresses(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID
) -> list[CustomerAddress]:
    result = await db.execute(
        select(CustomerAddress)
        .where(
            CustomerAddress.store_id == store_id,
            CustomerAddress.customer_account_id == account_id,
        )
        .order_by(CustomerAddress.created_at, CustomerAddress.id)
    )
    return list(result.scalars())


async def get_address(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID, address_id: uuid.UUID
) -> CustomerAddress | None:
    """The address only when it belongs to this account of this store."""
    result = await db.execute(
        select(CustomerAddress).where(
            CustomerAddress.store_id == store_id,
            CustomerAddress.customer_account_id == account_id,
            CustomerAddress.id == address_id,
        )
    )
    return result.scalar_one_or_none()


async def delete_address(db: AsyncSession, address: CustomerAddress) -> None:
    await db.delete(address)
    await db.flush()
