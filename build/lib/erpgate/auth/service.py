"""Server-side sessions: random cookie token, digest stored, rotated on login, revocable everywhere."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import repository
from erpgate.db.engine import after_commit
from erpgate.kit.crypto import constant_time_equals, token_digest
from erpgate.kit.ids import new_token
from erpgate.kit.local_cache import SESSIONS, changed
from erpgate.models.web_session import WebSession

# JSON writes carry the session's CSRF token (returned by sign-in and /me) in this header.
CSRF_HEADER = "X-CSRF-Token"
CSRF_REFUSED = "The form expired or did not come from this site. Reload and try again."


@dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str  # goes into the cookie; only its digest is stored
    record: WebSession


async def start_session(
    db: AsyncSession,
    *,
    kind: str,
    principal_id: uuid.UUID,
    store_id: uuid.UUID | None,
    now: datetime,
    lifetime: timedelta,
    impersonator_admin_id: uuid.UUID | None = None,
) -> IssuedSession:
    token = new_token()
    record = WebSession(
        token_digest=token_digest(token),
        kind=kind,
        principal_id=principal_id,
        store_id=store_id,
        csrf_token=new_token(24),
        impersonator_admin_id=impersonator_admin_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    await repository.add_session(db, record)
    return IssuedSession(token=token, record=record)


async def resolve_session(
    db: AsyncSession, token: str | None, *, kind: str, now: datetime
) -> WebSession | None:
    if not token or len(token) > 128:
        return None
    return await repository.find_live_session(db, token_digest(token), kind, now)


def sessions_changed(db: AsyncSession) -> None:
    """A session, buyer, account or store changed: cached buyers of this process are dropped at
    once and again at commit; other processes drop theirs within ERPGATE_BUYER_CACHE_SECONDS."""
    changed(SESSIONS)
    after_commit(db, lambda: changed(SESSIONS))


async def end_session(db: AsyncSession, record: WebSession, now: datetime) -> None:
    await repository.revoke_session(db, record.id, now)
    sessions_changed(db)


async def end_all_sessions(
    db: AsyncSession, *, kind: str, principal_id: uuid.UUID, now: datetime
) -> int:
    ended = await repository.revoke_principal_sessions(db, kind, principal_id, now)
    sessions_changed(db)
    return ended


async def end_impersonations(db: AsyncSession, *, admin_id: uuid.UUID, now: datetime) -> int:
    """End every storefront session an admin opened with Login on storefront."""
    ended = await repository.revoke_impersonations(db, admin_id, now)
    sessions_changed(db)
    return ended


def csrf_matches(record: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and constant_time_equals(record.csrf_token, submitted or "")
