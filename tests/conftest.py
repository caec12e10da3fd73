"""Shared fixtures: a real database per run (SQLite file, or PostgreSQL when
ERPGATE_TEST_DATABASE_URL is set), emptied before every test; settings; an app with its lifespan."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.config import Settings
from erpgate.db.base import Base
from erpgate.db.engine import create_engine, create_session_factory, is_postgresql
from erpgate.db.migrate import upgrade_to_head
from erpgate.db.model_registry import import_all_models
from erpgate.kit.clock import Clock

pytest_plugins: list[str] = []


def _plugin_exists(name: str) -> bool:
    return (Path(__file__).parent / "plugins" / f"{name}.py").exists()


for _name in ("mock_erp", "live_server", "mail", "fault_proxy"):
    if _plugin_exists(_name):
        pytest_plugins.append(f"tests.plugins.{_name}")


@pytest.fixture(scope="session", autouse=True)
def test_cost_password_hashes() -> Iterator[None]:
    """Argon2id at test cost in this process (production's ~0.1 s per hash, several per test,
    was a large share of the suite); the app processes the tests start keep production cost."""
    from argon2 import PasswordHasher

    from erpgate.auth import passwords

    production = passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    passwords.use_hasher(production)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under PostgreSQL, a test that runs erpgate on a SQLite file of its own (``erpgate demo``
    ignores the run's database) would repeat the SQLite run exactly: it is skipped, saying so."""
    if os.environ.get("ERPGATE_TEST_DATABASE_URL") is None:
        return
    repeat = pytest.mark.skip(reason="runs on a SQLite file of its own: the SQLite run covers it")
    for item in items:
        if item.get_closest_marker("own_database"):
            item.add_marker(repeat)


@pytest.fixture(scope="session", autouse=True)
def collector_tuned_as_in_production() -> Iterator[None]:
    """The young generation collected every 10,000 allocations, as erpgate.web.gc_tuning sets it
    in a server: the apps the tests start skip that tuning (``gc_tuning=False`` below), and with
    CPython's 700 a sixth of a run's time went to the collector (measured with gc.callbacks)."""
    from erpgate.web.gc_tuning import YOUNG_THRESHOLD

    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
    yield
    gc.set_threshold(*before)


@pytest.fixture(autouse=True)
def no_app_outlives_its_test() -> Iterator[None]:
    """FastAPI classifies each endpoint and dependency once, in module-level caches of 4,096
    entries keyed by the callable. erpgate's endpoints are closures over their app, so those
    caches kept the last ~90 apps of a run alive (about a million objects that every full
    collection walked). Emptying them after each test lets each test's app go."""
    yield
    from fastapi.dependencies import models

    for name in dir(models):
        cached = getattr(models, name)
        if name.endswith("_callable_cached") and hasattr(cached, "cache_clear"):
            cached.cache_clear()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ERPGATE_TEST_DATABASE_URL")
    if url is None:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'erpgate-test.db'}"
    else:
        asyncio.run(_drop_everything(url))
    import_all_models()
    upgrade_to_head(url)
    return url


async def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _empty_tables(engine: AsyncEngine, url: str) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if not is_postgresql(url):
        async with engine.begin() as conn:
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608
        return
    quoted = ", ".join(f'"{name}"' for name in tables)
    for attempt in range(1, 4):
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            return
        except DBAPIError as exc:
            # A write still finishing from the test before (a server it ran, winding down) can
            # lock the tables in the other order: PostgreSQL then cancels one side of the
            # deadlock. Once that write is through, emptying the tables goes through too.
            if "deadlock detected" not in str(exc) or attempt == 3:
                raise
            await asyncio.sleep(0.2 * attempt)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        allowed_private_hosts=["127.0.0.1", "localhost"],
        mail_dir=tmp_path / "mail",
        public_url="http://testserver",
        # Tests assert what each request does at the ERP; the shared-answer window (on by
        # default) has its own tests in tests/erp/test_share_window.py.
        erp_share_window_ms=0,
        # Tests read the related requests of the calls they make; the sampling of successes'
        # related requests (0.1 by default) has its own tests in tests/outcomes/test_writer.py.
        success_requests_sample_rate=1.0,
        # Hundreds of apps start in this process: freezing each one's objects would keep them.
        gc_tuning=False,
    )


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    await _empty_tables(engine, database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data; the test commits what it arranges."""
    async with create_session_factory(engine)() as session:
        yield session


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield Clock()


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine, clock: Clock) -> AsyncIterator[FastAPI]:
    from erpgate.app import create_app

    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
