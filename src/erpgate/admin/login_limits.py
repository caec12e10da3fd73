"""Sign-in rate limits per account and per address, counted in the database.

The count lives in the database rather than in process memory so that every app instance (and a
restart) sees the same failures. Failures are written in their own short transaction because the
request that failed rolls back.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin import login_repository
from erpgate.db.engine import SessionFactory, transaction
from erpgate.errors import TooManyRequests
from erpgate.kit.clock import ensure_utc
from erpgate.models.login_attempt import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
# An office or a VPN shares one address among many people: allow more before blocking it.
MAX_FAILURES_PER_ADDRESS = 20


def _key(email: str) -> str:
    return email.strip().lower()[:320]


def _minutes_left(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return math.ceil(WINDOW.total_seconds() / 60)
    remaining = ensure_utc(oldest) + WINDOW - now
    return max(1, math.ceil(remaining.total_seconds() / 60))


async def check_allowed(db: AsyncSession, *, email: str, address: str, now: datetime) -> None:
    """Raise TooManyRequests when this account or this address failed too often lately."""
    since = now - WINDOW
    key = _key(email)
    # A successful sign-in clears the account's slate; the address count keeps running.
    account_since = await login_repository.last_success_for_email(db, key, since) or since
    if await login_repository.count_failures_for_email(db, key, account_since) >= (
        MAX_FAILURES_PER_ACCOUNT
    ):
        oldest = await login_repository.oldest_failure_since(
            db, email=key, address=None, since=account_since
        )
        minutes = _minutes_left(oldest, now)
        raise TooManyRequests(
            f"Too many failed sign-ins for this account. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}.",
            extra={"retry_after_minutes": minutes},
        )
    if await login_repository.count_failures_for_address(db, address, since) >= (
        MAX_FAILURES_PER_ADDRESS
    ):
        oldest = await login_repository.oldest_failure_since(
            db, email=None, address=address, since=since
        )
        minutes = _minutes_left(oldest, now)
        raise TooManyRequests(
            f"Too many failed sign-ins from your network address. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}.",
            extra={"retry_after_minutes": minutes},
        )


async def record_attempt(
    factory: SessionFactory, *, email: str, address: str, succeeded: bool, now: datetime
) -> None:
    """Write the attempt in its own transaction, so a failure survives the request's rollback."""
    async with transaction(factory) as db:
        await login_repository.add_attempt(
            db,
            LoginAttempt(
                email=_key(email), address=address[:64], succeeded=succeeded, occurred_at=now
            ),
        )
        # Keep the table small: nothing older than a day matters to any limit.
        await login_repository.delete_older_than(db, now - timedelta(days=1))
