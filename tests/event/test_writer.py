"""The related-request writer: bounded, counted, batched, flushed on shutdown, safe with odd bodies."""

from __future__ import annotations

import base64

from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.config import Settings
from erpgate.db.engine import create_session_factory
from erpgate.event.bodies import HEADER_VALUE_LIMIT, store_body
from erpgate.event.writer import RequestWriter
from erpgate.kit.clock import Clock
from erpgate.models.related_request import RelatedRequest
from tests.event.helpers import attempt, make_shop


def _dropped_metric() -> float:
    value = REGISTRY.get_sample_value("erpgate_records_dropped_total", {"kind": "related_request"})
    return value or 0.0


async def _count(db: AsyncSession) -> int:
    return int((await db.execute(select(func.count()).select_from(RelatedRequest))).scalar_one())


async def test_full_queue_counts_drops_and_close_writes_the_rest(
    engine: AsyncEngine, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    writer = RequestWriter(create_session_factory(engine), queue_size=10, body_cap=1024)
    before = _dropped_metric()

    for index in range(15):  # not started: nothing drains, so the queue fills up
        writer.record(attempt(shop.store.id, f"trace{index:04d}", request_id=f"req_{index}"))
    await writer.close()

    assert writer.dropped == 5
    assert _dropped_metric() - before == 5
    assert await _count(db) == 10


async def test_app_shutdown_flushes_queued_requests(
    settings: Settings, engine: AsyncEngine, db: AsyncSession
) -> None:
    from erpgate.app import create_app

    shop = await make_shop(db, settings)
    app = create_app(settings, clock=Clock())
    async with app.router.lifespan_context(app):
        sink = app.state.erpgate.erp_client.sink
        for index in range(50):
            sink.record(attempt(shop.store.id, "a" * 32, request_id=f"req_{index}"))
    assert await _count(db) == 50


async def test_bodies_over_the_cap_are_cut_and_marked(
    engine: AsyncEngine, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    writer = RequestWriter(create_session_factory(engine), queue_size=10, body_cap=256)
    body = b'{"data":"' + b"x" * 1000 + b'"}'
    writer.record(attempt(shop.store.id, "b" * 32, response_body=body))
    await writer.close()

    row = (await db.execute(select(RelatedRequest))).scalar_one()
    assert row.response_body == body[:256].decode()
    assert row.response_truncated is True
    assert row.response_body_size == len(body)
    assert row.request_truncated is False


async def test_binary_and_non_utf8_bodies_are_kept_as_base64(
    engine: AsyncEngine, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    writer = RequestWriter(create_session_factory(engine), queue_size=10, body_cap=1024)
    latin1 = "Müller".encode("latin-1")
    with_nul = b"PK\x03\x04\x00\x00binary"
    writer.record(attempt(shop.store.id, "c" * 32, response_body=latin1, request_id="r1"))
    writer.record(attempt(shop.store.id, "d" * 32, response_body=with_nul, request_id="r2"))
    await writer.close()

    rows = {r.request_id: r for r in (await db.execute(select(RelatedRequest))).scalars()}
    assert rows["r1"].response_body_encoding == "base64"
    assert base64.b64decode(rows["r1"].response_body or "") == latin1
    assert rows["r2"].response_body_encoding == "base64"
    assert base64.b64decode(rows["r2"].response_body or "") == with_nul


def test_a_cap_through_a_multibyte_character_is_still_text() -> None:
    body = ("a" * 255 + "é" + "tail").encode()  # é is two bytes: bytes 255 and 256
    stored = store_body(body, 256)
    assert stored.encoding == "utf-8"
    assert stored.text == "a" * 255
    assert stored.truncated is True


async def test_huge_and_numerous_headers_are_cut(
    engine: AsyncEngine, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    writer = RequestWriter(create_session_factory(engine), queue_size=10, body_cap=1024)
    headers = [("X-Huge", "v" * 100_000)] + [(f"X-H{i}", str(i)) for i in range(150)]
    writer.record(attempt(shop.store.id, "e" * 32, response_headers=headers))
    await writer.close()

    row = (await db.execute(select(RelatedRequest))).scalar_one()
    assert row.response_headers[0] == ["X-Huge", "v" * HEADER_VALUE_LIMIT + "…[truncated]"]
    assert len(row.response_headers) == 101
    assert row.response_headers[-1] == ["X-Erpgate-Note", "51 more headers cut"]
