"""The background saver of stale-fallback answers: throttled per key, batched upserts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.db.engine import create_session_factory
from erpgate.models.erp_answer_cache import ErpAnswerCache
from erpgate.store import service as store_service
from erpgate.storefront.answers import AnswerSaver

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 1, 12, 5, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


async def saved_rows(db: AsyncSession) -> list[tuple[str, dict[str, object], datetime]]:
    result = await db.execute(
        select(
            ErpAnswerCache.request_digest, ErpAnswerCache.answer, ErpAnswerCache.fetched_at
        ).order_by(ErpAnswerCache.request_digest)
    )
    return [(digest, answer, fetched) for digest, answer, fetched in result]


async def test_answers_are_throttled_served_while_queued_and_upserted(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    store = await store_service.create_store(db, slug="s1", name="S1")
    await db.commit()
    clock = FakeMonotonic()
    saver = AnswerSaver(
        create_session_factory(engine), interval_seconds=60, queue_size=100, monotonic=clock
    )
    key_a = (store.id, "C1", "orders", "a" * 64)
    key_b = (store.id, "C1", "orders", "b" * 64)

    assert saver.wants(key_a)
    saver.save(key_a, {"data": [1]}, T0)
    saver.save(key_b, {"data": [2]}, T0)
    queued = saver.pending(key_a)
    assert queued is not None and (queued.answer, queued.fetched_at) == ({"data": [1]}, T0)
    assert not saver.wants(key_a)  # queued less than 60 s ago
    saver.start()
    await saver.flush()
    assert saver.pending(key_a) is None
    assert await saved_rows(db) == [("a" * 64, {"data": [1]}, T0), ("b" * 64, {"data": [2]}, T0)]

    clock.now += 60
    assert saver.wants(key_a)
    saver.save(key_a, {"data": [3]}, T1)
    await saver.close()
    db.expire_all()
    assert await saved_rows(db) == [("a" * 64, {"data": [3]}, T1), ("b" * 64, {"data": [2]}, T0)]


async def test_keys_older_than_the_interval_are_forgotten(engine: AsyncEngine) -> None:
    clock = FakeMonotonic()
    saver = AnswerSaver(
        create_session_factory(engine), interval_seconds=60, queue_size=1000, monotonic=clock
    )
    store_id = uuid.uuid4()
    for index in range(100):
        saver.save((store_id, "C1", "orders", f"{index:064d}"), {"data": []}, T0)
    assert saver.remembered_keys() == 100
    clock.now += 61
    saver.save((store_id, "C1", "orders", "f" * 64), {"data": []}, T0)
    # Only the newest key is remembered: memory follows the keys of one interval, not all keys.
    assert saver.remembered_keys() == 1
    assert saver.wants((store_id, "C1", "orders", f"{0:064d}"))
