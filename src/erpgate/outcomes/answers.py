"""Saved answers: the last good ERP answer per request, served "as of" when the ERP fails.

A success is saved at most once per ``save_interval`` per key (store, customer code, endpoint,
request digest), by the outcome writer, as the bytes the ERP sent. What this process knows about
saved keys lives in memory:

- ``_pending``: answers queued for the writer and not written yet, served from memory;
- ``_index``: key → when its answer was last saved, by this process or (learned every few
  seconds, ``sync``) by another instance. A failure whose key is not in the index, or whose
  newest save is already too old, answers at once without asking the database: during an outage
  of every request differing (paging, searches), a refusal costs no query. The index holds plain
  integers (the key's hash, a POSIX time): objects the garbage collector never has to
  walk, however large it grows.

The index is bounded (``index_limit``, oldest forgotten first); a forgotten key only means one
more calm 503 instead of a stale answer for a request not repeated within the interval.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from erpgate.db.bulk import BulkInsert
from erpgate.db.engine import SessionFactory
from erpgate.erp.outcome import ErpCall
from erpgate.kit.ids import new_uuid
from erpgate.models.saved_answer import SavedAnswer as SavedAnswerRow

AnswerKey = tuple[uuid.UUID, str, str, str]  # store, customer code, endpoint, request digest
DEFAULT_INDEX_LIMIT = 200_000
SYNC_OVERLAP = timedelta(seconds=5)  # rows committed a little late by another instance
# One row per key: a newer answer overwrites the saved one.
_SAVE = BulkInsert(
    SavedAnswerRow.__table__,  # type: ignore[arg-type]
    upsert_key=("store_id", "customer_code", "endpoint", "request_digest"),
    upsert_update=("answer", "fetched_at", "saved_by"),
)


@dataclass(frozen=True, slots=True)
class SavedAnswer:
    body: bytes
    fetched_at: datetime


def answer_key(store_id: uuid.UUID, call: ErpCall[Any]) -> AnswerKey:
    digest = hashlib.sha256(call.body).hexdigest()
    return (store_id, call.expected_customer_code or "", call.endpoint.value, digest)


def _slot(key: AnswerKey) -> int:
    """The key as one integer for the index: its hash. The index lives in this process only, so
    the process's own hash serves (a collision costs one database look-up, never a wrong
    answer: the look-up compares the whole key)."""
    return hash(key)


class SavedAnswers:
    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        save_interval_seconds: float,
        index_limit: int = DEFAULT_INDEX_LIMIT,
    ) -> None:
        self.session_factory = session_factory
        self.save_interval = timedelta(seconds=save_interval_seconds)
        self.index_limit = index_limit
        self.instance = secrets.token_hex(8)  # marks this process's saves
        # slot -> POSIX time of the newest save; insertion-ordered: the oldest leave first.
        self._index: dict[int, float] = {}
        self._pending: dict[AnswerKey, SavedAnswer] = {}
        self._synced_until: datetime | None = None

    def wants(self, key: AnswerKey, now: datetime) -> bool:
        """False while this key's answer was saved less than ``save_interval`` ago."""
        saved_at = self._index.get(_slot(key))
        return saved_at is None or now.timestamp() - saved_at >= self.save_interval.total_seconds()

    def queued(self, key: AnswerKey, body: bytes, fetched_at: datetime) -> None:
        """The writer took a success to save: serve it from memory until it is written."""
        self._pending[key] = SavedAnswer(body, fetched_at)
        self._remember(key, fetched_at)

    def written(self, key: AnswerKey, fetched_at: datetime) -> None:
        pending = self._pending.get(key)
        if pending is not None and pending.fetched_at <= fetched_at:
            del self._pending[key]

    def _remember(self, key: AnswerKey, saved_at: datetime) -> None:
        slot = _slot(key)
        self._index.pop(slot, None)
        while len(self._index) >= self.index_limit:
            del self._index[next(iter(self._index))]
        self._index[slot] = saved_at.timestamp()

    @property
    def known_keys(self) -> int:
        return len(self._index)

    async def lookup(
        self, key: AnswerKey, *, max_age: timedelta, now: datetime
    ) -> SavedAnswer | None:
        """The newest saved answer younger than ``max_age``, or None."""
        pending = self._pending.get(key)
        if pending is not None:
            return pending if now - pending.fetched_at <= max_age else None
        saved_at = self._index.get(_slot(key))
        if saved_at is None or now.timestamp() - saved_at > max_age.total_seconds():
            return None
        store_id, customer_code, endpoint, digest = key
        async with self.session_factory() as db:
            row = (
                await db.execute(
                    select(SavedAnswerRow.answer, SavedAnswerRow.fetched_at).where(
                        SavedAnswerRow.store_id == store_id,
                        SavedAnswerRow.customer_code == customer_code,
                        SavedAnswerRow.endpoint == endpoint,
                        SavedAnswerRow.request_digest == digest,
                    )
                )
            ).one_or_none()
        if row is None or now - row.fetched_at > max_age:
            return None
        return SavedAnswer(row.answer.encode(), row.fetched_at)

    async def sync(self, now: datetime, *, horizon: timedelta) -> None:
        """Learn the keys saved (by any instance) since the last sync, at most ``horizon`` back."""
        since = now - horizon
        if self._synced_until is not None:
            since = max(since, self._synced_until - SYNC_OVERLAP)
        async with self.session_factory() as db:
            rows = (
                await db.execute(
                    select(
                        SavedAnswerRow.store_id,
                        SavedAnswerRow.customer_code,
                        SavedAnswerRow.endpoint,
                        SavedAnswerRow.request_digest,
                        SavedAnswerRow.fetched_at,
                    )
                    .where(
                        SavedAnswerRow.fetched_at > since,
                        SavedAnswerRow.saved_by != self.instance,
                    )
                    .order_by(SavedAnswerRow.fetched_at.desc())
                    .limit(self.index_limit)
                )
            ).all()
        for store_id, customer_code, endpoint, digest, fetched_at in reversed(rows):
            key = (store_id, customer_code, endpoint, digest)
            if self._index.get(_slot(key), 0.0) <= fetched_at.timestamp():
                self._remember(key, fetched_at)
        self._synced_until = now


async def save_answers(
    db: Any, answers: dict[AnswerKey, SavedAnswer], *, saved_by: str = ""
) -> None:
    """Upsert one row per key (the writer's flush); ``saved_by`` names the saving process."""
    rows = [
        {
            "id": new_uuid(),
            "store_id": store_id,
            "customer_code": customer_code[:64],
            "endpoint": endpoint,
            "request_digest": digest,
            "answer": saved.body.decode("utf-8", "replace"),
            "fetched_at": saved.fetched_at,
            "saved_by": saved_by,
        }
        for (store_id, customer_code, endpoint, digest), saved in answers.items()
    ]
    await _SAVE.run(db, rows)
