"""The delivery worker against a scripted ERP: every answer's effect on a placed order's
delivery, the lease between workers, and the admin's retry and cancel."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.checkout import catalog
from erpgate.checkout import service as checkout_service
from erpgate.checkout.demo import demo_catalog_csv
from erpgate.config import Settings
from erpgate.customer import service as customer_service
from erpgate.db.engine import create_session_factory
from erpgate.delivery import service as delivery_service
from erpgate.delivery.service import DeliveryPolicy
from erpgate.delivery.worker import DeliveryWorker
from erpgate.erp.breaker import Shared
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpConnectError
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, ListSink
from erpgate.errors import Conflict, NotFound
from erpgate.integration import service as integration_service
from erpgate.kit.clock import Clock
from erpgate.kit.crypto import SecretBox
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.integration import Integration
from erpgate.models.order_delivery import OrderDelivery
from erpgate.store import service as store_service
from tests.erp.scripted import ScriptedTransport, Step, answer

SUBMIT = "http://erp.test/orders/submit"
SHIP_TO = {
    "name": "Dock 3",
    "address1": "1200 Front St",
    "city": "Toledo",
    "zip": "43605",
    "country": "US",
}
LINES = [{"sku": "5620", "quantity": 2}, {"sku": "TST03", "quantity": "1"}]
ACCEPTED = answer({"data": {"order_id": "SO-77", "order_number": "77", "status": "Open"}}, 201)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass
class World:
    store_id: uuid.UUID
    account: CustomerAccount
    erp: ScriptedTransport
    worker: DeliveryWorker
    clock: Clock
    db: AsyncSession
    box: SecretBox

    async def place(self, po_number: str | None = "PO-1") -> OrderDelivery:
        live = await integration_service.load_live_integration(
            self.db, self.store_id, self.box, self.worker.gateway.options
        )
        store = await store_service.get_store(self.db, self.store_id)
        assert store is not None
        buyer = checkout_service.CheckoutBuyer(
            store, self.account, Actor("storefront", self.account.id, self.account.customer_code)
        )
        _order, _lines, delivery = await checkout_service.place_order(
            self.worker.gateway,
            self.clock,
            self.db,
            live,
            buyer,
            LINES,
            SHIP_TO,
            "standard",
            po_number,
            "Ring the bell",
        )
        await self.db.commit()
        assert delivery is not None
        return delivery

    async def row(self, delivery_id: uuid.UUID) -> OrderDelivery:
        self.db.expire_all()
        found = await self.db.get(OrderDelivery, delivery_id)
        assert found is not None
        return found

    def script(self, *steps: Step) -> None:
        self.erp.script[SUBMIT] = list(steps)


def worker_for(
    engine: AsyncEngine, settings: Settings, erp: ScriptedTransport, clock: Clock
) -> DeliveryWorker:
    gateway = ErpGateway(
        ErpClientOptions.from_settings(settings), ListSink(), now=clock.now, transport=erp
    )
    box = SecretBox(settings.encryption_keys)
    return DeliveryWorker(
        engine,
        create_session_factory(engine),
        gateway,
        box,
        clock,
        DeliveryPolicy(lease_seconds=60),
    )


@pytest.fixture
async def world(db: AsyncSession, engine: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    clock = Clock()
    clock.freeze(NOW)
    box = SecretBox(settings.encryption_keys)
    store = await store_service.create_store(db, slug="shop", name="Shop", fallback_tax_rate="0.05")
    await integration_service.install(
        db, store.id, box, token="erp-token-123", urls={Endpoint.SUBMIT_ORDER: SUBMIT}
    )
    account = await customer_service.create_account(
        db, store.id, name="Acme", customer_code="C0004935"
    )
    assert (await catalog.import_catalog(db, store.id, demo_catalog_csv())).ok
    await db.commit()
    erp = ScriptedTransport({SUBMIT: [ACCEPTED]})
    yield World(store.id, account, erp, worker_for(engine, settings, erp, clock), clock, db, box)


async def test_an_accepted_order_is_sent_once_with_its_reference_as_idempotency_key(
    world: World,
) -> None:
    delivery = await world.place()
    assert delivery.state == "queued" and delivery.attempts == 0

    assert await world.worker.run_once() == 1

    row = await world.row(delivery.id)
    assert (row.state, row.attempts, row.erp_order_id, row.erp_order_number, row.erp_status) == (
        "sent",
        1,
        "SO-77",
        "77",
        "Open",
    )
    assert row.sent_at == NOW and row.last_error is None
    [sent] = world.erp.sent_to(SUBMIT)
    assert sent.headers["Idempotency-Key"] == row.order_number
    body = orjson.loads(sent.body)
    assert sent.body == row.request_body
    assert body["order_reference"] == row.order_number and body["customer_code"] == "C0004935"
    assert body["po_number"] == "PO-1" and body["notes"] == "Ring the bell"
    assert [
        (x["sku"], x["quantity"], x["unit_price"], x["line_total"], x["price_source"])
        for x in body["lines"]
    ] == [
        ("5620", "2", "16.80", "33.60", "catalog"),
        ("TST03", "1", "0.60", "0.60", "catalog"),
    ]
    assert body["shipping"] == {
        "code": "standard",
        "label": "Standard ground (5-7 days)",
        "amount": "15.00",
        "source": "fallback",
    }
    assert body["tax"] == {"amount": "1.71", "source": "fallback", "estimated": False}
    assert body["totals"] == {
        "subtotal": "34.20",
        "shipping": "15.00",
        "tax": "1.71",
        "total": "50.91",
    }
    assert body["ship_to"]["city"] == "Toledo" and body["placed_at"] == "2026-11-30T12:00:00Z"
    # Nothing is due any more.
    assert await world.worker.run_once() == 0
    view = delivery_service.for_buyer(row)
    assert (view.state, view.erp_order_number, view.message) == ("sent", "77", None)


async def test_a_rejection_is_final_and_only_buyer_messages_reach_the_buyer(world: World) -> None:
    errors: list[dict[str, Any]] = [
        {"field": f"lines[{n}].sku", "message": f"Item {n} is blocked"} for n in range(49)
    ]
    errors.insert(
        0,
        {
            "field": "customer_code",
            "message": "Credit hold",
            "buyer_message": "Please call us about your account.",
        },
    )
    world.script(answer({"errors": errors}, 422))
    delivery = await world.place()

    assert await world.worker.run_once() == 1

    row = await world.row(delivery.id)
    assert row.state == "rejected" and row.finished_at == NOW
    assert row.last_error == "ERP rejected the order: customer_code: Credit hold (and 49 more)"
    assert len(row.reasons) == 50 and row.reasons[1] == {
        "field": "lines[0].sku",
        "message": "Item 0 is blocked",
        "buyer_message": None,
    }
    view = delivery_service.for_buyer(row)
    assert view.state == "rejected"
    assert view.buyer_messages == ("Please call us about your account.",)
    assert view.message == delivery_service.BUYER_SENTENCES["rejected"]
    assert "Credit hold" not in str(view.as_json())
    world.clock.advance(hours=30)
    assert await world.worker.run_once() == 0  # never sent again
    assert len(world.erp.sent_to(SUBMIT)) == 1


async def test_a_failing_erp_is_asked_again_with_backoff_and_the_same_key_and_bytes(
    world: World,
) -> None:
    world.script(
        Step(503),
        Step(raises=lambda: ErpConnectError("Could not connect to erp.test:80")),
        ACCEPTED,
    )
    delivery = await world.place()

    assert (
        await world.worker.run_once() == 1
    )  # 503, retried once within the deadline: refused again
    row = await world.row(delivery.id)
    assert row.state == "queued" and row.attempts == 1
    assert row.next_attempt_at == NOW + timedelta(seconds=15)
    assert row.last_error is not None and row.last_reference is not None
    view = delivery_service.for_buyer(row)
    assert view.state == "queued" and view.message == delivery_service.BUYER_SENTENCES["queued"]
    assert await world.worker.run_once() == 0  # not due yet

    world.clock.advance(seconds=15)
    assert await world.worker.run_once() == 1
    row = await world.row(delivery.id)
    assert (row.state, row.attempts, row.erp_order_id) == ("sent", 2, "SO-77")
    sent = world.erp.sent_to(SUBMIT)
    assert len(sent) == 3
    assert {s.headers["Idempotency-Key"] for s in sent} == {row.order_number}
    assert {s.body for s in sent} == {row.request_body}


async def test_an_answer_without_an_order_id_is_kept_and_sent_again(world: World) -> None:
    world.script(answer({"data": {"status": "Open"}}), ACCEPTED)
    delivery = await world.place()

    await world.worker.run_once()

    row = await world.row(delivery.id)
    assert row.state == "queued"
    assert row.last_error == "Answer broke the contract: data.order_id is missing"
    world.clock.advance(seconds=15)
    await world.worker.run_once()
    assert (await world.row(delivery.id)).state == "sent"


async def test_backoff_doubles_and_the_delivery_gives_up_after_the_retry_window(
    world: World,
) -> None:
    world.script(Step(500))
    delivery = await world.place()
    waits = []
    for _ in range(4):
        await world.worker.run_once()
        row = await world.row(delivery.id)
        waits.append((row.next_attempt_at - world.clock.now()).total_seconds())
        world.clock.freeze(row.next_attempt_at)
    assert waits == [15.0, 30.0, 60.0, 120.0]

    world.clock.freeze(NOW + timedelta(hours=24))
    await world.worker.run_once()
    row = await world.row(delivery.id)
    assert row.state == "failed" and row.last_error == "ERP answered 500 Internal Server Error"
    assert delivery_service.for_buyer(row).message == delivery_service.BUYER_SENTENCES["failed"]
    world.clock.advance(hours=1)
    assert await world.worker.run_once() == 0


async def test_an_order_placed_while_the_breaker_is_open_waits_and_goes_once_it_closes(
    world: World,
) -> None:
    board = world.worker.gateway.breakers
    forced = Shared(
        state="forced_open",
        open_until=None,
        cause="unavailable",
        version=1,
        changed_at=NOW,
        changed_by="ops",
    )
    board.adopt(world.store_id, Endpoint.SUBMIT_ORDER, forced, NOW)
    delivery = await world.place()

    await world.worker.run_once()
    row = await world.row(delivery.id)
    assert row.state == "queued" and world.erp.sent_to(SUBMIT) == []

    board.reset(world.store_id)
    world.clock.advance(seconds=15)
    await world.worker.run_once()
    assert (await world.row(delivery.id)).state == "sent"
    assert len(world.erp.sent_to(SUBMIT)) == 1


async def test_without_a_submit_order_url_the_delivery_waits_for_one(world: World) -> None:
    delivery = await world.place()
    integration = (await world.db.execute(select(Integration))).scalar_one()
    integration.submit_order_url = None
    integration_service.integration_changed(world.db)
    await world.db.commit()

    await world.worker.run_once()

    row = await world.row(delivery.id)
    assert row.state == "queued" and world.erp.sent_to(SUBMIT) == []
    assert row.last_error == "The Submit Order URL is not set: the order waits until it is"


async def test_no_delivery_is_queued_without_a_submit_order_url(world: World) -> None:
    integration = (await world.db.execute(select(Integration))).scalar_one()
    integration.submit_order_url = None
    integration_service.integration_changed(world.db)
    await world.db.commit()
    live = await integration_service.load_live_integration(
        world.db, world.store_id, world.box, world.worker.gateway.options
    )
    store = await store_service.get_store(world.db, world.store_id)
    assert store is not None
    buyer = checkout_service.CheckoutBuyer(store, world.account, Actor("storefront"))
    _order, _lines, delivery = await checkout_service.place_order(
        world.worker.gateway, world.clock, world.db, live, buyer, LINES, SHIP_TO, "standard"
    )
    await world.db.commit()
    assert delivery is None
    assert delivery_service.for_buyer(None).state == "local"
    assert (await world.db.execute(select(OrderDelivery))).first() is None


async def test_one_worker_holds_a_row_until_its_lease_ends(
    world: World, engine: AsyncEngine, settings: Settings
) -> None:
    delivery = await world.place()
    other = worker_for(engine, settings, world.erp, world.clock)

    [claimed] = await world.worker.claim()
    assert await other.claim() == []  # held by the first worker

    # The first worker dies without answering; once its lease ends the other sends it.
    world.clock.advance(seconds=61)
    [again] = await other.claim()
    assert again.row.id == delivery.id and again.row.attempts == 2
    assert await other.deliver(again) == "sent"
    # The dead worker's late answer does not overwrite anything.
    assert await world.worker.deliver(claimed) == "sending"
    row = await world.row(delivery.id)
    assert (row.state, row.attempts, row.erp_order_id) == ("sent", 2, "SO-77")


async def test_an_admin_cancels_a_waiting_delivery_and_retries_a_rejected_one(world: World) -> None:
    world.script(Step(503))
    first = await world.place()
    await world.worker.run_once()
    cancelled = await delivery_service.cancel(world.db, world.store_id, first.id, now=NOW)
    await world.db.commit()
    assert cancelled.state == "cancelled"
    world.clock.advance(minutes=5)
    assert await world.worker.run_once() == 0
    with pytest.raises(Conflict, match="cannot be cancelled"):
        await delivery_service.cancel(world.db, world.store_id, first.id, now=NOW)
    await world.db.commit()  # nothing changed

    world.script(answer({"errors": [{"message": "Unknown item"}]}, 422), ACCEPTED)
    second = await world.place()
    await world.worker.run_once()
    assert (await world.row(second.id)).state == "rejected"
    retried = await delivery_service.retry(
        world.db, world.store_id, second.id, retry_hours=24, now=world.clock.now()
    )
    await world.db.commit()
    assert retried.state == "queued" and retried.reasons == []
    await world.worker.run_once()
    row = await world.row(second.id)
    assert row.state == "sent"
    keys = [s.headers["Idempotency-Key"] for s in world.erp.sent_to(SUBMIT)]
    assert keys[-2:] == [row.order_number, row.order_number]
    # Another store's admin cannot touch it.
    with pytest.raises(NotFound, match="No such order delivery"):
        await delivery_service.cancel(world.db, uuid.uuid4(), second.id, now=NOW)


async def test_a_deleted_customer_account_does_not_stop_its_placed_order(world: World) -> None:
    delivery = await world.place()
    await world.db.execute(delete(CustomerAccount).where(CustomerAccount.id == world.account.id))
    await world.db.commit()

    await world.worker.run_once()

    row = await world.row(delivery.id)
    assert row.order_id is None and row.state == "sent"
    assert orjson.loads(world.erp.sent_to(SUBMIT)[0].body)["customer_code"] == "C0004935"
