"""`erpgate serve` refuses a database that is not migrated (or behind) in one line that says what
to do, and serves on one that a newer version has migrated already."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import text

from erpgate.cli import main
from erpgate.db.engine import create_engine
from erpgate.db.migrate import alembic_config, schema_problem, upgrade_to_head


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"


async def _problem(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return await schema_problem(engine)
    finally:
        await engine.dispose()


async def test_an_empty_database_needs_migrate(sqlite_url: str) -> None:
    assert await _problem(sqlite_url) == (
        "the database has no erpgate tables yet: run `erpgate migrate` first"
    )


async def test_an_older_schema_needs_migrate_and_the_newest_or_a_newer_one_serves(
    sqlite_url: str,
) -> None:
    # Alembic runs its own event loop: off this one.
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0004")
    head = ScriptDirectory.from_config(alembic_config(sqlite_url)).get_current_head()
    assert await _problem(sqlite_url) == (
        f"the database schema is older than this version (at 0004, needs {head}):"
        " run `erpgate migrate` first"
    )
    await asyncio.to_thread(upgrade_to_head, sqlite_url)
    assert await _problem(sqlite_url) is None
    engine = create_engine(sqlite_url)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9001'"))
    await engine.dispose()
    assert await _problem(sqlite_url) is None  # a newer version's migration: still served


async def test_an_unreachable_database_is_named() -> None:
    problem = await _problem("postgresql+asyncpg://erpgate:pw@127.0.0.1:1/erpgate")
    assert problem is not None
    assert problem.startswith("cannot use the database at ERPGATE_DATABASE_URL: ")
    assert "pw" not in problem


def test_serve_on_an_unmigrated_database_exits_with_one_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERPGATE_DATABASE_URL", sqlite_url)
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: the database has no erpgate tables yet: run `erpgate migrate` first\n"
    )
