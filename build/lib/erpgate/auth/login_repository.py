"""Every query on login_attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.login_attempt import LoginAttempt


def _account(kind: str, store_id: uuid.UUID | None, email: str) -> list[ColumnElement[bool]]:
    store = (
        LoginAttempt.store_id.is_(None) if store_id is None else LoginAttempt.store_id == store_id
    )
    return [LoginAttempt.kind == kind, store, LoginAttempt.email == email]


def _address(kind: str, address: str) -> list[ColumnElement[bool]]:
    return [LoginAttempt.kind == kind, LoginAttempt.address == address]


async def add_attempt(db: AsyncSession, attempt: LoginAttempt) -> None:
    db.add(attempt)
    await db.flush()


async def mark_succeeded(db: AsyncSession, attempt_id: uuid.UUID) -> None:
    await db.execute(
        update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True)
    )


async def last_account_success(
    db: AsyncSession, kind: str, store_id: uuid.UUID | None, email: str, since: datetime
) -> datetime | None:
    result = await db.execute(
        select(func.max(LoginAttempt.occurred_at)).where(
            *_account(kind, store_id, email),
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.occurred_at >= since,
        )
    )
    return result.scalar_one_or_none()


async def account_failures(
    db: AsyncSession, kind: str, store_id: uuid.UUID | None, email: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many failures since ``since``, and when the oldest of them was."""
    result = await db.execute(
        select(func.count(), func.min(LoginAttempt.occurred_at)).where(
            *_account(kind, store_id, email),
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.occurred_at >= since,
        )
    )
    count, oldest = result.one()
    return int(count), oldest


async def address_failures(
    db: AsyncSession, kind: str, address: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many failures from this address since ``since``, and when the oldest of them was."""
    result = await db.execute(
        select(func.count(), func.min(LoginAttempt.occurred_at)).where(
            *_address(kind, address),
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.occurred_at >= since,
        )
    )
    count, oldest = result.one()
    return int(count), oldest


async def delete_older_than(db: AsyncSession, cutoff: datetime) -> int:
    result = await db.execute(delete(LoginAttempt).where(LoginAttempt.occurred_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
