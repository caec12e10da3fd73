"""INSERT ... ON CONFLICT for both databases: the only place that builds dialect-specific inserts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _insert(session: AsyncSession, table: Table) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> int:
    """Insert the rows; a row that would break a unique constraint is skipped, not an error.
    Returns how many rows were inserted."""
    if not rows:
        return 0
    result = await session.execute(_insert(session, table).on_conflict_do_nothing(), list(rows))
    return int(getattr(result, "rowcount", 0) or 0)


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert the rows; where ``key`` exists already, overwrite the ``update`` columns instead."""
    if not rows:
        return
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={column: statement.excluded[column] for column in update},
    )
    await session.execute(statement, list(rows))
