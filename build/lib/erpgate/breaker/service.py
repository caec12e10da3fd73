"""Sharing breakers between instances, and the operator's actions. Never commits.

Each instance's breakers decide in memory (``erp.breaker``). Every ``ERPGATE_BREAKER_SYNC_SECONDS``
a background task (``BreakerSync``) publishes what its own breakers did since the last round
(opened; a probe closed one or opened it again) as a compare-and-set over the version it knows,
then adopts every newer row: what the other instances' breakers did, and what operators decided.
So a storefront call never waits on the database, and every instance follows a change within
about one sync interval.

An operator's **reset** closes the breaker (a fresh window: calls go out again); **force open**
refuses every call, without probes, until a reset. Both are written whatever the row said (and
applied on this instance once committed), and no instance's automatic transition overwrites a
forced open.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.breaker import repository
from erpgate.breaker.repository import Change
from erpgate.db.engine import SessionFactory, after_commit, transaction
from erpgate.erp.breaker import Breaker, BreakerBoard, Shared, SharedState
from erpgate.erp.endpoints import Endpoint
from erpgate.kit.clock import Clock
from erpgate.kit.tasks import cancel_and_wait
from erpgate.logging import get_logger

log = get_logger(__name__)

AUTOMATIC = "automatic"
Action = Literal["reset", "force_open"]
# A closed row is worth reading this long after it changed: every running instance has read it
# many times by then, and one started later begins closed anyway.
RECENT_SECONDS = 300


def shared_state(breaker: Breaker) -> SharedState:
    if breaker.forced:
        return "forced_open"
    return "closed" if breaker.state == "closed" else "open"


async def publish(db: AsyncSession, board: BreakerBoard, now: datetime) -> int:
    """Write this instance's own transitions; returns how many were accepted."""
    accepted = 0
    for store_id, endpoint, breaker in board.take_changes():
        change = Change(
            state=shared_state(breaker),
            open_until=breaker.open_until(now),
            cause=breaker.cause.kind,
            changed_at=breaker.changed_at or now,
            changed_by=AUTOMATIC,
        )
        version = await repository.compare_and_set(
            db, store_id, endpoint.value, breaker.version, change
        )
        if version is not None:
            breaker.version = version
            accepted += 1
    return accepted


async def learn(db: AsyncSession, board: BreakerBoard, now: datetime) -> int:
    """Adopt every row newer than what this instance knows; returns how many."""
    adopted = 0
    since = now - timedelta(seconds=RECENT_SECONDS)
    for row, slug in await repository.worth_knowing(db, since):
        try:
            endpoint = Endpoint(row.endpoint)
        except ValueError:
            continue
        breaker = board.get(row.store_id, endpoint, slug)
        if row.version <= breaker.version:
            continue
        shared = Shared(
            state=row.state,  # type: ignore[arg-type]
            open_until=row.open_until,
            cause=row.cause,
            version=row.version,
            changed_at=row.changed_at,
            changed_by=row.changed_by,
        )
        board.adopt(row.store_id, endpoint, shared, now)
        adopted += 1
    return adopted


class BreakerSync:
    """The background task of one instance: publish, then learn, every ``every`` seconds."""

    def __init__(
        self, session_factory: SessionFactory, board: BreakerBoard, clock: Clock, every: float
    ) -> None:
        self.session_factory = session_factory
        self.board = board
        self.clock = clock
        self.every = every
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def sync_once(self) -> None:
        async with transaction(self.session_factory) as db:
            now = self.clock.now()
            await publish(db, self.board, now)
            await learn(db, self.board, now)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="breaker-sync")

    def wake(self) -> None:
        """Sync now rather than at the next tick (tests; an operator's action)."""
        self._wake.set()

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        try:  # what this instance's breakers did last still counts for the others
            async with transaction(self.session_factory) as db:
                await publish(db, self.board, self.clock.now())
        except Exception:
            log.warning("breaker_sync_failed", exc_info=True)

    async def _run(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.every):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.sync_once()
            except Exception:
                # The database is away: the breakers in memory go on deciding alone.
                log.warning("breaker_sync_failed", exc_info=True)


@dataclass(frozen=True, slots=True)
class BreakerView:
    state: str
    changed_at: datetime | None
    changed_by: str


def view(board: BreakerBoard, store_id: uuid.UUID, endpoint: Endpoint) -> BreakerView:
    breaker = board.find(store_id, endpoint)
    if breaker is None:
        return BreakerView("closed", None, "")
    return BreakerView(breaker.state, breaker.changed_at, breaker.changed_by)


async def operate(
    db: AsyncSession,
    board: BreakerBoard,
    store_id: uuid.UUID,
    endpoint: Endpoint,
    action: Action,
    *,
    store_slug: str,
    admin_email: str,
    now: datetime,
) -> None:
    """Reset or force open a breaker for every instance: this one once committed, the others at
    their next sync."""
    state: SharedState = "closed" if action == "reset" else "forced_open"
    breaker = board.get(store_id, endpoint, store_slug)
    change = Change(state, None, breaker.cause.kind, now, admin_email)
    version = await repository.overwrite(db, store_id, endpoint.value, change)

    shared = Shared(state, None, change.cause, version, now, admin_email)
    after_commit(db, lambda: board.adopt(store_id, endpoint, shared, now))
