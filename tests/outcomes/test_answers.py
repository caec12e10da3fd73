"""Saved answers: saved at most once per interval per key, served from memory until written,
looked up in the database only when the index says a young enough answer exists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.db.engine import create_session_factory, transaction
from erpgate.outcomes.answers import SavedAnswer, SavedAnswers, save_answers
from erpgate.store import service as store_service

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


class CountingFactory:
    """A session factory that counts the sessions opened (database round trips)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.inner = create_session_factory(engine)
        self.opened = 0
        self.kw = self.inner.kw

    def __call__(self) -> object:
        self.opened += 1
        return self.inner()


async def test_an_answer_is_wanted_once_per_interval_and_served_while_queued(
    engine: AsyncEngine,
) -> None:
    sessions = CountingFactory(engine)
    answers = SavedAnswers(sessions, save_interval_seconds=60)  # type: ignore[arg-type]
    key = (uuid.uuid4(), "C1", "orders", "a" * 64)

    assert answers.wants(key, T0)
    answers.queued(key, b'{"data": []}', T0)
    assert not answers.wants(key, T0 + timedelta(seconds=59))
    assert answers.wants(key, T0 + timedelta(seconds=60))

    served = await answers.lookup(key, max_age=DAY, now=T0 + timedelta(seconds=5))
    assert served == SavedAnswer(b'{"data": []}', T0)
    assert sessions.opened == 0  # served from memory

    too_old = await answers.lookup(key, max_age=timedelta(seconds=1), now=T0 + timedelta(seconds=5))
    assert too_old is None


async def test_an_unknown_key_is_answered_without_the_database(engine: AsyncEngine) -> None:
    sessions = CountingFactory(engine)
    answers = SavedAnswers(sessions, save_interval_seconds=60)  # type: ignore[arg-type]

    missing = await answers.lookup((uuid.uuid4(), "C1", "orders", "b" * 64), max_age=DAY, now=T0)

    assert missing is None
    assert sessions.opened == 0


async def test_written_answers_are_read_back_and_upserted(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    store = await store_service.create_store(db, slug="s1", name="S1")
    await db.commit()
    factory = create_session_factory(engine)
    answers = SavedAnswers(factory, save_interval_seconds=60)
    key = (store.id, "C1", "orders", "c" * 64)
    answers.queued(key, b'{"data": [1]}', T0)
    async with transaction(factory) as writing:
        await save_answers(writing, {key: SavedAnswer(b'{"data": [1]}', T0)})
    answers.written(key, T0)

    first = await answers.lookup(key, max_age=DAY, now=T0 + timedelta(minutes=1))
    later = T0 + timedelta(minutes=5)
    answers.queued(key, b'{"data": [2]}', later)
    async with transaction(factory) as writing:
        await save_answers(writing, {key: SavedAnswer(b'{"data": [2]}', later)})
    answers.written(key, later)
    second = await answers.lookup(key, max_age=DAY, now=later)

    assert first == SavedAnswer(b'{"data": [1]}', T0)
    assert second == SavedAnswer(b'{"data": [2]}', later)


async def test_sync_learns_the_answers_another_instance_saved(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    store = await store_service.create_store(db, slug="s2", name="S2")
    await db.commit()
    factory = create_session_factory(engine)
    other, here = (SavedAnswers(factory, save_interval_seconds=60) for _ in range(2))
    key = (store.id, "C9", "invoices", "d" * 64)
    async with transaction(factory) as writing:
        await save_answers(writing, {key: SavedAnswer(b'{"data": [9]}', T0)})

    before = await here.lookup(key, max_age=DAY, now=T0)
    await here.sync(T0 + timedelta(seconds=1), horizon=DAY)
    after = await here.lookup(key, max_age=DAY, now=T0 + timedelta(seconds=1))

    assert before is None
    assert after == SavedAnswer(b'{"data": [9]}', T0)
    assert not here.wants(key, T0 + timedelta(seconds=30))  # the other instance saved it
    assert other.known_keys == 0


async def test_the_index_is_bounded_oldest_first(engine: AsyncEngine) -> None:
    answers = SavedAnswers(create_session_factory(engine), save_interval_seconds=60, index_limit=3)
    store_id = uuid.uuid4()
    keys = [(store_id, "C1", "orders", f"{index:064d}") for index in range(5)]
    for key in keys:
        answers.queued(key, b"{}", T0)
        answers.written(key, T0)

    assert answers.known_keys == 3
    assert answers.wants(keys[0], T0) and answers.wants(keys[1], T0)
    assert not answers.wants(keys[4], T0)
