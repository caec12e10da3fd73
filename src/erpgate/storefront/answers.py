"""The stale-fallback copies of ERP answers, saved in the background and at most once per interval.

Saving the whole answer inside the buyer's transaction on every success made every storefront
read a database write (on SQLite: one writer at a time, so requests queued on the write lock).
Here a success only enqueues the copy, and only when this process has not queued one for the same
key within ``interval`` seconds; a background task upserts the queue in batches. Until written,
a queued copy is served from memory, so the fallback sees it at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erpgate.db.engine import SessionFactory, transaction
from erpgate.event.batching import BatchWriter, QueuedWrites
from erpgate.storefront import repository

AnswerKey = tuple[uuid.UUID, str, str, str]  # store, customer code, endpoint, request digest
MAX_REMEMBERED_KEYS = 100_000
ANSWER_SAVER = "answer_saver"


@dataclass(frozen=True, slots=True)
class SavedAnswer:
    key: AnswerKey
    answer: dict[str, Any]
    fetched_at: datetime

    def row(self) -> dict[str, Any]:
        store_id, customer_code, endpoint, digest = self.key
        return {
            "store_id": store_id,
            "customer_code": customer_code,
            "endpoint": endpoint,
            "request_digest": digest,
            "answer": self.answer,
            "fetched_at": self.fetched_at,
        }


class AnswerSaver(QueuedWrites[SavedAnswer]):
    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        interval_seconds: float,
        queue_size: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        self.interval_seconds = interval_seconds
        self._monotonic = monotonic
        self.batches: BatchWriter[SavedAnswer] = BatchWriter(
            "erp_answer", self._write, maxsize=queue_size
        )
        self._pending: dict[AnswerKey, SavedAnswer] = {}
        self._queued_at: dict[AnswerKey, float] = {}  # insertion-ordered: oldest leave first

    def wants(self, key: AnswerKey) -> bool:
        """False while a copy of this key was queued less than ``interval`` seconds ago."""
        queued = self._queued_at.get(key)
        return queued is None or self._monotonic() - queued >= self.interval_seconds

    def save(self, key: AnswerKey, answer: dict[str, Any], fetched_at: datetime) -> None:
        saved = SavedAnswer(key, answer, fetched_at)
        if not self.batches.put(saved):
            return  # queue full: dropped and counted; the next success tries again
        self._pending[key] = saved
        now = self._monotonic()
        self._queued_at.pop(key, None)
        self._forget_older_than(now - self.interval_seconds)
        while len(self._queued_at) >= MAX_REMEMBERED_KEYS:
            del self._queued_at[next(iter(self._queued_at))]
        self._queued_at[key] = now

    def _forget_older_than(self, cutoff: float) -> None:
        # A key queued longer ago than the interval is wanted again anyway; dropping it keeps
        # memory at (distinct keys per interval), not (distinct keys ever, up to the bound).
        while self._queued_at:
            oldest = next(iter(self._queued_at))
            if self._queued_at[oldest] > cutoff:
                return
            del self._queued_at[oldest]

    def remembered_keys(self) -> int:
        return len(self._queued_at)

    def pending(self, key: AnswerKey) -> SavedAnswer | None:
        """A copy queued but not written yet."""
        return self._pending.get(key)

    async def _write(self, batch: list[SavedAnswer]) -> None:
        latest = {saved.key: saved for saved in batch}  # one row per key: the newest wins
        try:
            async with transaction(self.session_factory) as db:
                await repository.save_answers(db, [saved.row() for saved in latest.values()])
        finally:
            for saved in batch:
                if self._pending.get(saved.key) is saved:
                    del self._pending[saved.key]
