"""Every query on login_attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.login_attempt import LoginAttempt


async def add_attempt(db: AsyncSession, attempt: LoginAttempt) -> None:
    db.add(attempt)
    await db.flush()


async def last_success_for_email(db: AsyncSession, email: str, since: datetime) -> datetime | None:
    result = await db.execute(
        select(func.max(LoginAttempt.occurred_at)).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.occurred_at >= since,
        )
    )
    return result.scalar_one_or_none()


async def count_failures_for_email(db: AsyncSession, email: str, since: datetime) -> int:
    result = await db.execute(
        select(func.count()).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.occurred_at >= since,
        )
    )
    return int(result.scalar_one())


async def count_failures_for_address(db: AsyncSession, address: str, since: datetime) -> int:
    result = await db.execute(
        select(func.count()).where(
            LoginAttempt.address == address,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.occurred_at >= since,
        )
    )
    return int(result.scalar_one())


async def oldest_failure_since(
    db: AsyncSession, *, email: str | None, address: str | None, since: datetime
) -> datetime | None:
    query = select(func.min(LoginAttempt.occurred_at)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.occurred_at >= since
    )
    if email is not None:
        query = query.where(LoginAttempt.email == email)
    if address is not None:
        query = query.where(LoginAttempt.address == address)
    return (await db.execute(query)).scalar_one_or_none()


async def delete_older_than(db: AsyncSession, cutoff: datetime) -> int:
    result = await db.execute(delete(LoginAttempt).where(LoginAttempt.occurred_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
