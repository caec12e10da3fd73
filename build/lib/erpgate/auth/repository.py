"""Every query on web_session."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.web_session import WebSession


async def add_session(db: AsyncSession, web_session: WebSession) -> WebSession:
    db.add(web_session)
    await db.flush()
    return web_session


async def find_live_session(
    db: AsyncSession, token_digest: str, kind: str, now: datetime
) -> WebSession | None:
    result = await db.execute(
        select(WebSession).where(
            WebSession.token_digest == token_digest,
            WebSession.kind == kind,
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > now,
        )
    )
    return result.scalar_one_or_none()


async def revoke_session(db: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await db.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_principal_sessions(
    db: AsyncSession, kind: str, principal_id: uuid.UUID, now: datetime
) -> int:
    result = await db.execute(
        update(WebSession)
        .where(
            WebSession.kind == kind,
            WebSession.principal_id == principal_id,
            WebSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def revoke_impersonations(db: AsyncSession, admin_id: uuid.UUID, now: datetime) -> int:
    result = await db.execute(
        update(WebSession)
        .where(
            WebSession.kind == "buyer",
            WebSession.impersonator_admin_id == admin_id,
            WebSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
