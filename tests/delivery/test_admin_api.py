"""The deliveries JSON API: list, one delivery, retry and cancel with their roles, CSRF header,
conflicts and the store's retry window; and the reference of a real attempt finds its event."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.delivery.worker import DeliveryWorker
from erpgate.erp.endpoints import Endpoint
from erpgate.integration import service as integration_service
from erpgate.kit.clock import Clock
from erpgate.models.audit_log import AuditLog
from erpgate.models.event import Event
from erpgate.models.integration import Integration
from tests.admin.conftest import World, sign_in, world
from tests.delivery.helpers import NOW, add_delivery, settings_without_worker
from tests.storefront.conftest import answering_erp

# The fixtures this module uses: the admin's two stores, an app without a delivery worker.
__all__ = ["settings_without_worker", "world"]

API = "/api/v1/admin/deliveries"


async def test_list_and_one_delivery(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    reasons = [{"field": "po_number", "message": "Duplicate", "buyer_message": "Used before."}]
    rejected = await add_delivery(
        db,
        world.a.store.id,
        "W-REJ",
        "rejected",
        minutes_ago=5,
        attempts=2,
        reasons=reasons,
        last_error="The ERP refused the order",
        last_reference="ABCD-1234-EF56",
        finished_at=NOW,
    )
    await add_delivery(db, world.a.store.id, "W-NEW", "queued", attempts=0)
    await add_delivery(db, world.b.store.id, "W-BETA", "failed", customer_code="C-BETA")
    await db.commit()
    await sign_in(client, "support@alpha.example")

    listed = await client.get(API)
    assert listed.status_code == 200
    body = listed.json()
    assert [item["order_number"] for item in body["items"]] == ["W-NEW", "W-REJ"]
    assert (body["page"], body["has_next"]) == (1, False)
    assert body["items"][0]["next_attempt_at"] == "2026-11-30T12:05:00Z"
    assert body["items"][1]["next_attempt_at"] is None  # finished: no next attempt

    one = await client.get(f"{API}/{rejected.id}")
    assert one.status_code == 200
    assert one.json() == {
        "id": str(rejected.id),
        "order_id": None,
        "order_number": "W-REJ",
        "customer_code": "C-ALPHA",
        "state": "rejected",
        "attempts": 2,
        "next_attempt_at": None,
        "give_up_at": "2026-12-01T11:55:00Z",
        "created_at": "2026-11-30T11:55:00Z",
        "sent_at": None,
        "finished_at": "2026-11-30T12:00:00Z",
        "erp_order_id": None,
        "erp_order_number": None,
        "erp_status": None,
        "last_error": "The ERP refused the order",
        "last_reference": "ABCD-1234-EF56",
        "reasons": reasons,
        "request": {
            "customer_code": "C-ALPHA",
            "order_reference": "W-1",
            "lines": [{"sku": "5620", "quantity": 2}],
        },
    }
    filtered = (await client.get(API, params={"state": "rejected", "q": "c-alpha"})).json()
    assert [item["order_number"] for item in filtered["items"]] == ["W-REJ"]
    bad = await client.get(API, params={"state": "nope"})
    assert bad.status_code == 422
    assert bad.json()["error"] == "validation_failed"


async def test_another_stores_delivery_is_not_found(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    beta = await add_delivery(db, world.b.store.id, "W-BETA", "failed", customer_code="C-BETA")
    await db.commit()
    csrf = await sign_in(client, "owner@alpha.example")
    headers = {"X-CSRF-Token": csrf}
    missing = await client.get(f"{API}/{beta.id}")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "not_found",
        "message": "No such order delivery in this store.",
    }
    for action in ("retry", "cancel"):
        answer = await client.post(f"{API}/{beta.id}/{action}", headers=headers)
        assert answer.status_code == 404
    assert (await client.get(f"{API}/not-a-uuid")).status_code == 422
    await db.refresh(beta)
    assert beta.state == "failed"


async def test_retry_uses_the_stores_retry_window_and_is_audited(
    client: httpx.AsyncClient, world: World, db: AsyncSession, clock: Clock, app: FastAPI
) -> None:
    clock.freeze(NOW)
    box = app.state.erpgate.secret_box
    await integration_service.install(db, world.a.store.id, box, token="t")
    await db.execute(update(Integration).values(order_retry_hours=6))
    row = await add_delivery(db, world.a.store.id, "W-AGAIN", "rejected", finished_at=NOW)
    await db.commit()
    csrf = await sign_in(client, "developer@alpha.example")

    answer = await client.post(f"{API}/{row.id}/retry", headers={"X-CSRF-Token": csrf})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["state"], body["next_attempt_at"], body["give_up_at"], body["finished_at"]) == (
        "queued",
        "2026-11-30T12:00:00Z",
        "2026-11-30T18:00:00Z",
        None,
    )
    entry = (await db.execute(select(AuditLog))).scalar_one()
    assert (entry.action, entry.subject, entry.details["from_state"]) == (
        "order_delivery.retried",
        "order W-AGAIN (C-ALPHA)",
        "rejected",
    )


async def test_cancel_and_the_conflicts_of_both_actions(
    client: httpx.AsyncClient, world: World, db: AsyncSession, clock: Clock
) -> None:
    clock.freeze(NOW)
    store = world.a.store.id
    waiting = await add_delivery(db, store, "W-WAIT", "queued")
    sent = await add_delivery(db, store, "W-SENT", "sent", erp_order_number="77")
    sending = await add_delivery(db, store, "W-NOW", "sending")
    rejected = await add_delivery(db, store, "W-REJ", "rejected")
    await db.commit()
    csrf = await sign_in(client, "admin@alpha.example")
    headers = {"X-CSRF-Token": csrf}

    cancelled = await client.post(f"{API}/{waiting.id}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["finished_at"]) == (
        "cancelled",
        "2026-11-30T12:00:00Z",
    )

    conflicts = [
        (sent, "retry", "A delivery that is sent cannot be retried."),
        (sent, "cancel", "A delivery that is sent cannot be cancelled."),
        (rejected, "cancel", "A delivery that is rejected cannot be cancelled."),
        (waiting, "cancel", "A delivery that is cancelled cannot be cancelled."),
        (sending, "retry", "The order is being sent right now; retry it once this attempt ends."),
        (sending, "cancel", "The order is being sent right now; cancel it once this attempt ends."),
    ]
    for row, action, message in conflicts:
        answer = await client.post(f"{API}/{row.id}/{action}", headers=headers)
        assert answer.status_code == 409, (row.order_number, action)
        assert answer.json() == {"error": "conflict", "message": message}
    entries = (await db.execute(select(AuditLog.action))).scalars().all()
    assert entries == ["order_delivery.cancelled"]  # a refused action leaves no entry


async def test_writes_need_the_csrf_header_and_an_operators_role(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    row = await add_delivery(db, world.a.store.id, "W-KEEP", "failed")
    await db.commit()
    support = await sign_in(client, "support@alpha.example")
    for action in ("retry", "cancel"):
        refused = await client.post(f"{API}/{row.id}/{action}", headers={"X-CSRF-Token": support})
        assert refused.status_code == 403
        assert refused.json()["message"] == "Your role does not allow this."
    await sign_in(client, "developer@alpha.example")
    for action in ("retry", "cancel"):
        assert (await client.post(f"{API}/{row.id}/{action}")).status_code == 403
        forged = await client.post(f"{API}/{row.id}/{action}", headers={"X-CSRF-Token": "x"})
        assert forged.status_code == 403
    await db.refresh(row)
    assert row.state == "failed"
    assert (await db.execute(select(AuditLog))).scalars().all() == []
    client.cookies.clear()
    assert (await client.get(API)).status_code == 401


async def test_the_last_attempts_reference_finds_its_event(
    client: httpx.AsyncClient, world: World, db: AsyncSession, app: FastAPI
) -> None:
    state = app.state.erpgate
    accepted = {"data": {"order_id": "SO-501", "order_number": "501", "status": "Open"}}
    async with answering_erp({"submit": accepted}) as urls:
        await integration_service.install(
            db,
            world.a.store.id,
            state.secret_box,
            token="erp-token",
            urls={Endpoint.SUBMIT_ORDER: urls["submit"]},
        )
        now = state.clock.now()
        row = await add_delivery(
            db, world.a.store.id, "W-LIVE", "queued", attempts=0, next_attempt_at=now
        )
        await db.commit()
        worker = DeliveryWorker(
            state.engine, state.session_factory, state.gateway, state.secret_box, state.clock
        )
        assert await worker.run_once() == 1

    await db.refresh(row)
    assert (row.state, row.erp_order_number) == ("sent", "501")
    assert row.last_reference
    await sign_in(client, "support@alpha.example")
    listing = (await client.get("/admin/deliveries")).text
    link = re.search(r'<a class="reference" href="(/admin/events\?q=[^"]+)">', listing)
    assert link is not None
    events_page = await client.get(link.group(1))
    assert events_page.status_code == 200
    event = (
        await db.execute(select(Event).where(Event.trace_id == row.last_reference))
    ).scalar_one()
    assert event.type == "erp.order.submit"
    assert f'href="/admin/events/{event.id}"' in events_page.text
    found = (await client.get("/api/v1/admin/events", params={"q": row.last_reference})).json()
    assert [item["id"] for item in found["items"]] == [str(event.id)]


async def test_an_unknown_id_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    await sign_in(client, "support@alpha.example")
    assert (await client.get(f"{API}/{uuid.uuid4()}")).status_code == 404
