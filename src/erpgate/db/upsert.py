"""INSERT ... ON CONFLICT for both databases: the only place that picks a dialect's INSERT."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(dialect_name: str, table: Table) -> Any:
    """The INSERT of ``dialect_name`` (one with ``on_conflict_do_*``)."""
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(table)


def _insert(session: AsyncSession, table: Table) -> Any:
    return dialect_insert(session.bind.dialect.name if session.bind is not None else "", table)


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> int:
    """Insert the rows; a row that would break a unique constraint is skipped, not an error.
    Returns how many rows were inserted."""
    if not rows:
        return 0
    result = await session.execute(_insert(session, table).on_conflict_do_nothing(), list(rows))
    return int(getattr(result, "rowcount", 0) or 0)
