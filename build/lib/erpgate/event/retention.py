"""Retention: events, related requests, saved answers and finished e-mails older than N days are
purged; request and response bodies (the bulky, most sensitive part) may go earlier."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from erpgate.config import Settings
from erpgate.db.engine import SessionFactory, transaction
from erpgate.event import repository
from erpgate.kit.clock import Clock
from erpgate.logging import get_logger
from erpgate.notification import service as notification_service

log = get_logger(__name__)
RETENTION_INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    events: int
    requests: int
    bodies: int
    notifications: int
    answers: int = 0


async def purge_expired(
    session_factory: SessionFactory, settings: Settings, now: datetime
) -> PurgeCounts:
    cutoff = now - timedelta(days=settings.retention_days)
    async with transaction(session_factory) as db:
        events = await repository.purge_events(db, cutoff)
        requests = await repository.purge_requests(db, cutoff)
        bodies = 0
        if settings.body_retention_days is not None:
            body_cutoff = now - timedelta(days=settings.body_retention_days)
            bodies = await repository.purge_bodies(db, body_cutoff)
        notifications = await notification_service.purge_finished(db, cutoff)
        answers = await repository.purge_saved_answers(db, cutoff)
    counts = PurgeCounts(events, requests, bodies, notifications, answers)
    if events or requests or bodies or notifications or answers:
        log.info(
            "retention_purged",
            events=events,
            requests=requests,
            bodies=bodies,
            notifications=notifications,
            answers=answers,
        )
    return counts


class RetentionJob:
    def __init__(
        self,
        session_factory: SessionFactory,
        settings: Settings,
        clock: Clock,
        interval_seconds: float = RETENTION_INTERVAL_SECONDS,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.interval_seconds = interval_seconds

    async def run_once(self) -> PurgeCounts:
        return await purge_expired(self.session_factory, self.settings, self.clock.now())

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("retention_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_seconds)
