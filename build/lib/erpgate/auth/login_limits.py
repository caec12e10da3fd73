"""Sign-in rate limits per account and per address, counted in the database; for admins and buyers.

The count lives in the database rather than in process memory so that every app instance (and a
restart) sees the same failures. Each attempt is reserved (counted as a failure) in a short
transaction of its own before the password is checked: the request that fails rolls back, and
concurrent attempts must not all slip past the limit. Written by hand: the rate-limit packages
count requests in memory or Redis, while this needs "failures since the last success" kept next
to the accounts.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import login_repository
from erpgate.db.engine import serialize_on
from erpgate.errors import TooManyRequests
from erpgate.kit.clock import ensure_utc
from erpgate.models.login_attempt import LoginAttempt

LoginKind = Literal["admin", "buyer"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoginLimits:
    window: timedelta
    max_failures_per_account: int
    # An office or a VPN shares one address among many people: allow more before blocking it.
    max_failures_per_address: int


LIMITS: dict[str, LoginLimits] = {
    "admin": LoginLimits(timedelta(minutes=15), 5, 20),
    "buyer": LoginLimits(timedelta(minutes=15), 5, 20),
}


@dataclass(frozen=True, slots=True)
class LoginKey:
    """Whose sign-in this is: the kind, the store (buyers only) and the e-mail as typed."""

    kind: LoginKind
    store_id: uuid.UUID | None
    email: str

    @property
    def normalized_email(self) -> str:
        return self.email.strip().lower()[:320]


@dataclass(frozen=True, slots=True)
class SignInCandidate(Generic[T]):
    """What a sign-in's lookup found: whose attempt it is, and the password check to run."""

    key: LoginKey
    # Checks the typed password against what the lookup loaded; does no database work.
    check: Callable[[], Awaitable[T | None]]


def _minutes_left(oldest: datetime | None, now: datetime, window: timedelta) -> int:
    if oldest is None:
        return math.ceil(window.total_seconds() / 60)
    remaining = ensure_utc(oldest) + window - now
    return max(1, math.ceil(remaining.total_seconds() / 60))


def _refusal(what: str, minutes: int) -> TooManyRequests:
    return TooManyRequests(
        f"Too many failed sign-ins {what}. Try again in {minutes} minute"
        f"{'s' if minutes != 1 else ''}.",
        extra={"retry_after_minutes": minutes},
    )


def _lock_names(key: LoginKey, address: str) -> tuple[str, str]:
    store = key.store_id or "-"
    return (
        f"login:{key.kind}:account:{store}:{key.normalized_email}",
        f"login:{key.kind}:address:{address}",
    )


async def reserve_attempt(
    db: AsyncSession, key: LoginKey, *, address: str, now: datetime
) -> uuid.UUID:
    """Count this attempt as a failure before its password is checked, or raise TooManyRequests.

    Checking the limit and adding the attempt happen in one transaction that runs alone among
    the sign-ins of the same account or address (``serialize_on``), so concurrent attempts can
    never all pass a check that each of them alone would pass. The caller commits; a refused
    attempt is not counted. ``mark_succeeded`` turns the attempt into a success afterwards.
    """
    address = address[:64]
    await serialize_on(db, *_lock_names(key, address))
    await check_allowed(db, key, address=address, now=now)
    attempt = LoginAttempt(
        kind=key.kind,
        store_id=key.store_id,
        email=key.normalized_email,
        address=address,
        succeeded=False,
        occurred_at=now,
    )
    await login_repository.add_attempt(db, attempt)
    # Keep the table small: nothing older than a day matters to any limit.
    await login_repository.delete_older_than(db, now - timedelta(days=1))
    return attempt.id


async def mark_succeeded(db: AsyncSession, attempt_id: uuid.UUID) -> None:
    """The reserved attempt signed in: it stops counting and clears the failures before it."""
    await login_repository.mark_succeeded(db, attempt_id)


async def check_allowed(db: AsyncSession, key: LoginKey, *, address: str, now: datetime) -> None:
    """Raise TooManyRequests when this account or this address failed too often lately."""
    limits = LIMITS[key.kind]
    since = now - limits.window
    email = key.normalized_email
    # A successful sign-in clears the account's slate; the address count keeps running.
    account_since = (
        await login_repository.last_account_success(db, key.kind, key.store_id, email, since)
        or since
    )
    count, oldest = await login_repository.account_failures(
        db, key.kind, key.store_id, email, account_since
    )
    if count >= limits.max_failures_per_account:
        raise _refusal("for this account", _minutes_left(oldest, now, limits.window))
    count, oldest = await login_repository.address_failures(db, key.kind, address[:64], since)
    if count >= limits.max_failures_per_address:
        raise _refusal("from your network address", _minutes_left(oldest, now, limits.window))
