"""BulkInsert stores exactly what SQLAlchemy's own INSERT stores, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.bulk import BulkInsert
from erpgate.models.event import Event
from erpgate.models.saved_answer import SavedAnswer
from erpgate.store import service as store_service

EVENTS = cast(Table, Event.__table__)
ANSWERS = cast(Table, SavedAnswer.__table__)
USER_ID = uuid.uuid4()


def _event(store_id: uuid.UUID, trace_id: str, **changes: Any) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4(),
        "store_id": store_id,
        "type": "erp.orders.list",
        "outcome": "error",
        "source": "storefront",
        "occurred_at": datetime(
            2026, 11, 30, 23, 59, 58, 123456, tzinfo=timezone(timedelta(hours=-5))
        ),
        "trace_id": trace_id,
        "reference": "7KQ2MX-1JF4T8AZC",
        "problem_id": None,
        "endpoint": "orders",
        "customer_code": "C-1'001",
        "user_id": USER_ID,
        "customer_account_id": None,
        "impersonator_admin_id": None,
        "error": "ERP answered 500 — «ünïcode»",
        "error_kind": "server_error",
        "duration_ms": 12.345,
        "requests_kept": True,
    }
    row.update(changes)
    return row


async def _stored(db: AsyncSession, trace_id: str) -> dict[str, Any]:
    """The row as the database holds it (raw SQL: no type conversion on the way back)."""
    result = await db.execute(
        text("SELECT * FROM event WHERE trace_id = :trace_id"), {"trace_id": trace_id}
    )
    return dict(result.mappings().one())


async def test_rows_are_stored_exactly_as_sqlalchemys_insert_stores_them(db: AsyncSession) -> None:
    store = await store_service.create_store(db, slug="bulk1", name="Bulk")
    mine, theirs = _event(store.id, "a" * 32), _event(store.id, "b" * 32)
    await BulkInsert(EVENTS).run(db, [mine])
    await db.execute(insert(EVENTS), [theirs])
    await db.commit()

    stored_mine, stored_theirs = await _stored(db, "a" * 32), await _stored(db, "b" * 32)
    for column in ("id", "trace_id"):
        stored_mine.pop(column), stored_theirs.pop(column)
    assert stored_mine == stored_theirs
    loaded = (await db.execute(select(Event).where(Event.trace_id == "a" * 32))).scalar_one()
    assert loaded.id == mine["id"]
    assert loaded.occurred_at == mine["occurred_at"].astimezone(UTC)
    assert loaded.error == mine["error"]


async def test_many_rows_in_one_call(db: AsyncSession) -> None:
    store = await store_service.create_store(db, slug="bulk2", name="Bulk")
    rows = [_event(store.id, f"{n:032x}", outcome="success", reference=None) for n in range(300)]
    await BulkInsert(EVENTS).run(db, rows)
    await db.commit()

    count = await db.scalar(text("SELECT count(*) FROM event WHERE outcome = 'success'"))
    assert count == 300


async def test_nothing_to_insert_sends_nothing(db: AsyncSession) -> None:
    await BulkInsert(EVENTS).run(db, [])

    assert await db.scalar(text("SELECT count(*) FROM event")) == 0


async def test_the_upsert_overwrites_only_its_update_columns(db: AsyncSession) -> None:
    store = await store_service.create_store(db, slug="bulk3", name="Bulk")
    save = BulkInsert(
        ANSWERS,
        upsert_key=("store_id", "customer_code", "endpoint", "request_digest"),
        upsert_update=("answer", "fetched_at", "saved_by"),
    )
    first = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    key = {"store_id": store.id, "customer_code": "C1", "endpoint": "orders", "request_digest": "d"}
    original = {"id": uuid.uuid4(), **key, "answer": '{"data":[]}', "fetched_at": first}
    await save.run(db, [{**original, "saved_by": "one"}])
    newer = {
        "id": uuid.uuid4(),
        **key,
        "answer": '{"data":[1]}',
        "fetched_at": first + timedelta(1),
    }
    await save.run(db, [{**newer, "saved_by": "two"}])
    await db.commit()

    row = (await db.execute(select(SavedAnswer))).scalar_one()
    assert row.id == original["id"]  # the row stays; its answer is the newer one
    assert (row.answer, row.fetched_at, row.saved_by) == (
        '{"data":[1]}',
        newer["fetched_at"],
        "two",
    )


async def test_a_naive_datetime_is_refused_as_by_the_orm(db: AsyncSession) -> None:
    store = await store_service.create_store(db, slug="bulk4", name="Bulk")
    naive = _event(store.id, "c" * 32, occurred_at=datetime(2026, 11, 30, 12, 0))

    with pytest.raises(ValueError, match="naive datetime"):
        await BulkInsert(EVENTS).run(db, [naive])
