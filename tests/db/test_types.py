from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.db.engine import is_sqlite
from erpgate.models.store import Store


async def test_datetimes_come_back_aware_utc_and_money_exact(db: AsyncSession) -> None:
    plus_two = timezone(timedelta(hours=2))
    store = Store(
        slug="t1",
        name="T",
        currency="EUR",
        fallback_tax_rate=Decimal("0.0725"),
        created_at=datetime(2026, 3, 1, 12, 0, tzinfo=plus_two),
    )
    db.add(store)
    await db.commit()
    db.expunge_all()
    loaded = (await db.execute(select(Store).where(Store.slug == "t1"))).scalar_one()
    assert loaded.created_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo is not None
    assert loaded.fallback_tax_rate == Decimal("0.0725")


async def test_naive_datetimes_are_refused(db: AsyncSession) -> None:
    db.add(Store(slug="t2", name="T", created_at=datetime(2026, 3, 1, 12, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        await db.flush()


async def test_sqlite_connections_enforce_foreign_keys(engine: AsyncEngine) -> None:
    if not is_sqlite(str(engine.url)):
        pytest.skip("SQLite pragma check")
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
