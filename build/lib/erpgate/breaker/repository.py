"""Every query on erp_breaker: the shared state of each store's breakers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.upsert import insert_ignoring_conflicts
from erpgate.models.erp_breaker import ErpBreaker
from erpgate.models.store import Store

TABLE = cast(Table, ErpBreaker.__table__)


@dataclass(frozen=True, slots=True)
class Change:
    state: str  # "closed", "open" or "forced_open"
    open_until: datetime | None
    cause: str
    changed_at: datetime
    changed_by: str

    def values(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "open_until": self.open_until,
            "cause": self.cause[:32],
            "changed_at": self.changed_at,
            "changed_by": self.changed_by[:320],
        }


async def compare_and_set(
    db: AsyncSession, store_id: uuid.UUID, endpoint: str, known_version: int, change: Change
) -> int | None:
    """Write ``change`` only over the version this instance knows (0: no row yet) and never over
    an operator's forced open; the new version, or None when someone else changed it first."""
    if known_version == 0:
        row = {"store_id": store_id, "endpoint": endpoint, "version": 1, **change.values()}
        return 1 if await insert_ignoring_conflicts(db, TABLE, [row]) == 1 else None
    result = await db.execute(
        update(ErpBreaker)
        .where(
            ErpBreaker.store_id == store_id,
            ErpBreaker.endpoint == endpoint,
            ErpBreaker.version == known_version,
            ErpBreaker.state != "forced_open",
        )
        .values(version=known_version + 1, **change.values())
        .execution_options(synchronize_session=False)
    )
    return known_version + 1 if getattr(result, "rowcount", 0) == 1 else None


async def overwrite(db: AsyncSession, store_id: uuid.UUID, endpoint: str, change: Change) -> int:
    """An operator's decision: written whatever the row says; returns the new version."""
    for _ in range(3):
        result = await db.execute(
            update(ErpBreaker)
            .where(ErpBreaker.store_id == store_id, ErpBreaker.endpoint == endpoint)
            .values(version=ErpBreaker.version + 1, **change.values())
            .returning(ErpBreaker.version)
            .execution_options(synchronize_session=False)
        )
        version = result.scalar_one_or_none()
        if version is not None:
            return int(version)
        row = {"store_id": store_id, "endpoint": endpoint, "version": 1, **change.values()}
        if await insert_ignoring_conflicts(db, TABLE, [row]) == 1:
            return 1
    raise RuntimeError("could not write the breaker's state")


async def worth_knowing(db: AsyncSession, changed_since: datetime) -> list[tuple[ErpBreaker, str]]:
    """Every breaker not closed, and those closed since ``changed_since``, with the store slug."""
    query = (
        select(ErpBreaker, Store.slug)
        .join(Store, Store.id == ErpBreaker.store_id)
        .where(or_(ErpBreaker.state != "closed", ErpBreaker.changed_at >= changed_since))
    )
    return [(row, slug) for row, slug in await db.execute(query)]


async def get(db: AsyncSession, store_id: uuid.UUID, endpoint: str) -> ErpBreaker | None:
    return await db.get(ErpBreaker, (store_id, endpoint))
