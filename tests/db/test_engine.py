"""The session factory's transactions hold on both databases, savepoints included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from erpgate.db.engine import create_engine, create_session_factory, transaction


@pytest.fixture
async def probe(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE engine_probe (x INTEGER)")
    yield engine
    async with engine.begin() as connection:
        await connection.exec_driver_sql("DROP TABLE engine_probe")


INSERT = text("INSERT INTO engine_probe VALUES (:x)")


async def _rows(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql("SELECT x FROM engine_probe ORDER BY x")
        return list(result.scalars())


async def test_a_savepoint_opening_the_transaction_is_undone_by_its_rollback(
    probe: AsyncEngine,
) -> None:
    # The error-event write starts with a savepoint; on SQLite that savepoint used to commit on
    # release, so the event outlived a rolled-back outbox row.
    async with create_session_factory(probe)() as db:
        async with db.begin_nested():
            await db.execute(INSERT, {"x": 1})
        await db.rollback()
    assert await _rows(probe) == []


async def test_savepoints_keep_what_succeeded_and_drop_what_failed(probe: AsyncEngine) -> None:
    async with create_session_factory(probe)() as db:
        async with db.begin_nested():
            await db.execute(INSERT, {"x": 2})
        with pytest.raises(ValueError):
            async with db.begin_nested():
                await db.execute(INSERT, {"x": 3})
                raise ValueError("undo this savepoint only")
        await db.execute(INSERT, {"x": 4})
        await db.commit()
    assert await _rows(probe) == [2, 4]


async def test_sqlite_write_transactions_of_one_process_take_turns(probe: AsyncEngine) -> None:
    if probe.dialect.name != "sqlite":
        pytest.skip("PostgreSQL runs writers concurrently (row locks)")
    factory = create_session_factory(probe)
    steps: list[str] = []
    first_inside = asyncio.Event()

    async def first() -> None:
        async with transaction(factory) as db:
            await db.execute(INSERT, {"x": 1})
            steps.append("first wrote")
            first_inside.set()
            await asyncio.sleep(0.05)  # the other writer must wait for this commit, not race it
            steps.append("first commits")

    async def second() -> None:
        await first_inside.wait()
        async with transaction(factory) as db:
            steps.append("second starts")
            await db.execute(INSERT, {"x": 2})

    await asyncio.gather(first(), second())
    assert steps == ["first wrote", "first commits", "second starts"]
    assert await _rows(probe) == [1, 2]


async def test_a_transaction_opened_inside_another_does_not_wait_for_itself(
    probe: AsyncEngine,
) -> None:
    factory = create_session_factory(probe)
    async with transaction(factory) as outer:
        await outer.execute(INSERT, {"x": 5})
        await outer.commit()  # release the row lock PostgreSQL would hold against the inner one
        async with asyncio.timeout(5), transaction(factory) as inner:
            await inner.execute(INSERT, {"x": 6})
    assert await _rows(probe) == [5, 6]


def test_the_web_pool_comes_from_settings_and_other_processes_keep_a_small_one() -> None:
    from erpgate.app import build_state
    from erpgate.config import Settings

    url = "postgresql+asyncpg://erpgate:pw@127.0.0.1:1/erpgate"  # nothing connects here
    web = build_state(Settings(database_url=url, db_pool_size=8, db_max_overflow=4)).engine
    assert (web.pool.size(), web.pool._max_overflow) == (8, 4)  # type: ignore[attr-defined]
    worker = create_engine(url)
    assert (worker.pool.size(), worker.pool._max_overflow) == (5, 5)  # type: ignore[attr-defined]
