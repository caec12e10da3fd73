"""Aggregates SQL spells differently per database: the UTC hour of a timestamp and percentiles.

Only this package knows which database it is on, so repositories ask here for the expression or
the query and get plain rows back.

Both give the nearest-rank percentile (the smallest value with at least p of the values at or
below it), so a figure is the same on either database:

- PostgreSQL: the ordered-set aggregate ``percentile_disc(p) WITHIN GROUP (ORDER BY value)``.
  (``percentile_cont`` interpolates: with one slow call among twenty it reports a latency no
  call had, and SQLite could not give the same figure.)
- SQLite has no percentile aggregate: each group's rows are numbered in value order by a window
  function and the row at rank ``ceil(p * n)`` is kept, all inside the database, so only one row
  per group leaves it (never the whole window of values).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession


def _dialect(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


def utc_hour(db: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The start of the UTC hour of a timestamp column (read it back with ``as_utc_hour``)."""
    if _dialect(db) == "postgresql":
        # In UTC explicitly: date_trunc on timestamptz would cut in the session's time zone.
        return func.date_trunc("hour", func.timezone("UTC", column))
    return func.strftime("%Y-%m-%d %H:00:00", column)


def as_utc_hour(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


async def percentile_by_group(
    db: AsyncSession,
    value: Any,
    groups: Sequence[Any],
    where: Sequence[ColumnElement[bool]],
    percent: int,
) -> list[tuple[Any, ...]]:
    """``(*group values, percentile)`` for each group of the rows matching ``where``."""
    if not 0 < percent <= 100:
        raise ValueError("percent is between 1 and 100")
    if _dialect(db) == "postgresql":
        query = (
            select(*groups, func.percentile_disc(percent / 100).within_group(value.asc()))
            .where(*where)
            .group_by(*groups)
        )
        return [tuple(row) for row in await db.execute(query)]
    labels = [group.label(f"g{index}") for index, group in enumerate(groups)]
    numbered = (
        select(
            *labels,
            value.label("v"),
            func.row_number().over(partition_by=list(groups), order_by=value).label("rn"),
            func.count().over(partition_by=list(groups)).label("n"),
        )
        .where(*where)
        .subquery()
    )
    # Nearest rank ceil(p/100 * n) in integer arithmetic (SQLite may lack ceil()).
    rank = (numbered.c.n * percent + 99) // 100
    query = select(*(numbered.c[f"g{index}"] for index in range(len(groups))), numbered.c.v).where(
        numbered.c.rn == rank
    )
    return [tuple(row) for row in await db.execute(query)]
