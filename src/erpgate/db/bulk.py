"""Many rows into one table through the driver's own executemany: the outcome writer's batches.

SQLAlchemy's executemany builds a parameter dictionary per row and runs it through the compiled
statement's machinery; for the writer's batches (an event and a saved answer per ERP call, every
second) that was the larger part of the writer's CPU (bench/RESULTS.notes). Here the statement
is compiled once per dialect and column list, each value is converted by its column type's own
bind processor (the one SQLAlchemy would apply) and the driver gets plain tuples. The SQL and the
stored values are the same as through ``session.execute(insert(table), rows)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.upsert import dialect_insert

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    columns: tuple[str, ...]  # in the order of the statement's placeholders
    processors: tuple[Processor, ...]


@dataclass
class BulkInsert:
    """``INSERT INTO table`` for batches of rows given as dictionaries with the same keys.

    ``upsert_key`` and ``upsert_update`` make it an upsert: where the key exists already, the
    ``upsert_update`` columns are overwritten (``ON CONFLICT … DO UPDATE`` on both databases)."""

    table: Table
    upsert_key: tuple[str, ...] = ()
    upsert_update: tuple[str, ...] = ()
    # Per (dialect, columns): not a constructor argument.
    _compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = field(
        default_factory=dict, init=False, repr=False
    )

    async def run(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        connection = await session.connection()
        compiled = self._compile(connection.dialect, tuple(rows[0]))
        convert = tuple(zip(compiled.columns, compiled.processors, strict=True))
        parameters = [
            tuple(row[name] if process is None else process(row[name]) for name, process in convert)
            for row in rows
        ]
        await connection.exec_driver_sql(compiled.sql, parameters)

    def _compile(self, dialect: Dialect, columns: tuple[str, ...]) -> _Compiled:
        cache_key = (dialect.name, columns)
        known = self._compiled.get(cache_key)
        if known is not None:
            return known
        statement = dialect_insert(dialect.name, self.table)
        if self.upsert_key:
            statement = statement.on_conflict_do_update(
                index_elements=list(self.upsert_key),
                set_={name: statement.excluded[name] for name in self.upsert_update},
            )
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        order = tuple(compiled.positiontup or ())
        if sorted(order) != sorted(columns):
            raise RuntimeError(f"{self.table.name}: the statement does not take exactly {columns}")
        processors = tuple(
            self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
        )
        made = _Compiled(compiled.string, order, processors)
        self._compiled[cache_key] = made
        return made
