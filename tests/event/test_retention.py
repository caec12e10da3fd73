"""Retention: old events and requests are purged; bodies can go earlier than the rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.config import Settings
from erpgate.db.engine import create_session_factory, transaction
from erpgate.event.repository import insert_requests
from erpgate.event.retention import PurgeCounts, purge_expired
from erpgate.models.event import Event
from erpgate.models.related_request import RelatedRequest
from erpgate.models.saved_answer import SavedAnswer as SavedAnswerRow
from erpgate.outcomes.answers import SavedAnswer, save_answers
from erpgate.outcomes.rows import request_row
from tests.event.helpers import attempt, make_shop
from tests.event.test_pages import T0, add_event


async def test_purge_keeps_recent_rows_and_strips_old_bodies(
    engine: AsyncEngine, db: AsyncSession, settings: Settings
) -> None:
    settings = settings.model_copy(update={"retention_days": 15, "body_retention_days": 3})
    shop = await make_shop(db, settings)
    factory = create_session_factory(engine)
    now = T0 + timedelta(days=20)
    await add_event(db, shop.store.id, trace_id="1" * 32, at=now - timedelta(days=16))
    await add_event(db, shop.store.id, trace_id="2" * 32, at=now - timedelta(days=5))
    old = attempt(shop.store.id, "1" * 32, request_id="old")
    middle = attempt(shop.store.id, "2" * 32, request_id="middle")
    fresh = attempt(shop.store.id, "3" * 32, request_id="fresh")
    async with transaction(factory) as writing:
        await insert_requests(
            writing,
            [
                request_row(replace(record, started_at=now - timedelta(days=age)), 1024)
                for record, age in ((old, 16), (middle, 5), (fresh, 1))
            ],
        )
        key = (shop.store.id, "C0004935", "orders")
        await save_answers(
            writing,
            {
                (*key, "a" * 64): SavedAnswer(b"{}", now - timedelta(days=16)),
                (*key, "b" * 64): SavedAnswer(b"{}", now - timedelta(days=1)),
            },
        )

    counts = await purge_expired(factory, settings, now)

    assert counts == PurgeCounts(events=1, requests=1, bodies=1, notifications=0, answers=1)
    digests = (await db.execute(select(SavedAnswerRow.request_digest))).scalars().all()
    assert digests == ["b" * 64]
    assert [e.trace_id for e in (await db.execute(select(Event))).scalars()] == ["2" * 32]
    rows = {r.request_id: r for r in (await db.execute(select(RelatedRequest))).scalars()}
    assert set(rows) == {"middle", "fresh"}
    assert (rows["middle"].request_body, rows["middle"].bodies_purged) == (None, True)
    assert rows["fresh"].response_body == '{"data":[]}'
