"""Throttled error e-mails, the digest count and the "recovered" e-mail, under a frozen clock."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.endpoints import Endpoint
from erpgate.event.gateway import Actor, CallRecord
from erpgate.kit.clock import Clock
from erpgate.models.event import Event
from erpgate.models.notification import Notification
from tests.event.helpers import make_shop
from tests.notification.helpers import T0

ACTOR = Actor(source="storefront", customer_account_id=None, customer_code="C0004935")


def call(store_id: uuid.UUID, clock: Clock, outcome: str = "error", kind: str = "timeout") -> Any:
    return CallRecord(
        store_id=store_id,
        endpoint=Endpoint.ORDERS,
        actor=ACTOR,
        trace_id=uuid.uuid4().hex,
        occurred_at=clock.now(),
        outcome=outcome,  # type: ignore[arg-type]
        error="" if outcome != "error" else "ERP did not answer within 5.0 s",
        error_kind=kind if outcome == "error" else None,
    )


async def mails(db: AsyncSession) -> list[Notification]:
    db.expire_all()
    query = select(Notification).order_by(Notification.created_at, Notification.kind)
    return list((await db.execute(query)).scalars())


async def test_one_mail_per_window_then_a_digest_then_recovered(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    store_id = shop.store.id
    recorder = app.state.erpgate.services["event_recorder"]
    clock.freeze(T0)

    for _ in range(38):
        await recorder.record(call(store_id, clock))
        clock.advance(seconds=10)
    assert [m.kind for m in await mails(db)] == ["error"]

    clock.freeze(T0 + timedelta(minutes=16))
    await recorder.record(call(store_id, clock))
    sent = await mails(db)
    assert [m.kind for m in sent] == ["error", "error"]
    assert "And 37 more like it since the last e-mail" in sent[1].body
    assert "more like it" not in sent[0].body

    await recorder.record(call(store_id, clock, kind="rejected"))
    assert len(await mails(db)) == 3  # another error kind has its own window

    await recorder.record(call(store_id, clock, outcome="success"))
    await recorder.record(call(store_id, clock, outcome="success"))
    kinds = [m.kind for m in await mails(db)]
    assert kinds.count("recovered") == 1
    recovered = next(m for m in await mails(db) if m.kind == "recovered")
    assert recovered.subject == "ERP integration recovered: Orders URL"
    assert "rejected, timeout" in recovered.body
    assert not app.state.erpgate.services["alert_cache"].is_alerted(store_id, "orders")
    await recorder.flush()
    errors = (await db.execute(select(Event).where(Event.outcome == "error"))).scalars().all()
    assert len(errors) == 40  # every error is an event, e-mailed or not


async def test_error_mail_names_what_failed_and_links_the_event(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    record = call(shop.store.id, clock)
    await app.state.erpgate.services["event_recorder"].record(record)

    mail = (await mails(db))[0]
    event = (await db.execute(select(Event))).scalar_one()
    assert mail.sender == "alerts@acme.example.com"
    assert mail.subject == "ERP integration error: Orders URL — ERP did not answer within 5.0 s"
    assert mail.body == (
        "A call to the ERP failed: Orders URL (erp.orders.list).\n\n"
        "Customer account: C0004935\n"
        "Error: ERP did not answer within 5.0 s\n"
        "When: 2026-03-01 12:00:00 UTC\n"
        f"Reference code: {record.trace_id}\n"
        f"Event: http://testserver/admin/events/{event.id}\n"
    )


async def test_missing_sender_is_skipped_with_a_reason(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings, sender=None)
    clock.freeze(T0)
    await app.state.erpgate.services["event_recorder"].record(call(shop.store.id, clock))
    mail = (await mails(db))[0]
    assert (mail.status, mail.last_error) == (
        "skipped",
        "No error notification sender is configured.",
    )
