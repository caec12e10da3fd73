"""Breakers shared through the database: one instance's transitions reach another at its next
sync, an operator's reset or forced open wins over both, and the admin API that does it."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.breaker.service import BreakerSync, operate
from erpgate.config import Settings
from erpgate.db.engine import create_session_factory, transaction
from erpgate.erp.breaker import BreakerBoard, BreakerPolicy
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpTimeoutError
from erpgate.kit.clock import Clock
from erpgate.models.audit_log import AuditLog
from erpgate.models.erp_breaker import ErpBreaker
from tests.event.helpers import make_shop, sign_in_admin

ORDERS = Endpoint.ORDERS
POLICY = BreakerPolicy(window_seconds=60, min_calls=1, failure_rate=0.5, min_customers=1)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _trip(board: BreakerBoard, store_id: uuid.UUID) -> None:
    breaker = board.get(store_id, ORDERS, "acme")
    assert breaker.admit()
    breaker.record(ErpTimeoutError("ERP did not answer within 5.0 s"), "C0004935")


async def test_one_instance_opening_and_closing_reaches_the_other(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    store = shop.store.id
    factory = create_session_factory(engine)
    time_a, time_b = Monotonic(), Monotonic()
    a, b = BreakerBoard(POLICY, time_a), BreakerBoard(POLICY, time_b)
    sync_a, sync_b = BreakerSync(factory, a, clock, 1), BreakerSync(factory, b, clock, 1)

    _trip(a, store)
    assert (a.state(store, ORDERS), b.state(store, ORDERS)) == ("open", "closed")
    await sync_a.sync_once()
    await sync_b.sync_once()
    assert b.state(store, ORDERS) == "open"
    assert b.get(store, ORDERS).refusal().cause is ErpTimeoutError

    # Both wait out the open time; b's probe finds the ERP answering and closes it for all.
    time_a.now += POLICY.open_seconds
    time_b.now += POLICY.open_seconds
    probe = b.get(store, ORDERS)
    assert probe.admit()
    probe.record(None, "C0004935")
    await sync_b.sync_once()
    await sync_a.sync_once()
    assert (a.state(store, ORDERS), b.state(store, ORDERS)) == ("closed", "closed")
    row = (await db.execute(select(ErpBreaker))).scalar_one()
    assert (row.state, row.version, row.changed_by) == ("closed", 2, "automatic")


async def test_a_forced_open_is_obeyed_and_not_undone_by_an_instance(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    store = shop.store.id
    factory = create_session_factory(engine)
    a, b = BreakerBoard(POLICY, Monotonic()), BreakerBoard(POLICY, Monotonic())
    sync_b = BreakerSync(factory, b, clock, 1)
    _trip(b, store)  # b's own transition, not yet published

    async with transaction(factory) as session:
        await operate(
            session, a, store, ORDERS, "force_open",
            store_slug="acme", admin_email="ops@acme.example", now=clock.now(),
        )  # fmt: skip
    assert a.state(store, ORDERS) == "forced-open"
    assert not a.get(store, ORDERS).admit()

    await sync_b.sync_once()  # b's "open" loses to the operator's decision, then b adopts it
    assert b.state(store, ORDERS) == "forced-open"
    row = (await db.execute(select(ErpBreaker))).scalar_one()
    assert (row.state, row.changed_by) == ("forced_open", "ops@acme.example")

    async with transaction(factory) as session:
        await operate(
            session, a, store, ORDERS, "reset",
            store_slug="acme", admin_email="ops@acme.example", now=clock.now(),
        )  # fmt: skip
    await sync_b.sync_once()
    assert (a.state(store, ORDERS), b.state(store, ORDERS)) == ("closed", "closed")
    assert b.get(store, ORDERS).admit()


async def test_the_admin_api_forces_open_and_resets_and_audits(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, erp_urls={"orders": "http://127.0.0.1:9/erp/orders"})
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")
    headers = {"X-CSRF-Token": csrf}
    gateway = app.state.erpgate.gateway

    answer = await client.post(
        "/api/v1/admin/health/orders/breaker", json={"action": "force_open"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["breaker"] == "forced-open"
    assert answer.json()["breaker_changed_by"] == f"developer-{shop.store.id.hex[:6]}@example.com"
    assert gateway.breaker_state(shop.store.id, ORDERS) == "forced-open"
    health = (await client.get("/api/v1/admin/health")).json()["endpoints"]
    orders = next(e for e in health if e["endpoint"] == "orders")
    assert orders["breaker"] == "forced-open" and orders["breaker_changed_at"] is not None
    page = await client.get("/admin/health")
    assert "paused by an operator" in page.text and 'value="reset"' in page.text

    answer = await client.post(
        "/api/v1/admin/health/orders/breaker", json={"action": "reset"}, headers=headers
    )
    assert answer.json()["breaker"] == "closed"
    assert gateway.breaker_state(shop.store.id, ORDERS) == "closed"
    actions = (
        await db.execute(select(AuditLog.action, AuditLog.subject).order_by(AuditLog.occurred_at))
    ).all()
    assert [tuple(a) for a in actions if a[0].startswith("breaker.")] == [
        ("breaker.forced_open", "orders"),
        ("breaker.reset", "orders"),
    ]


async def test_bad_breaker_requests_get_clear_answers(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, erp_urls={"orders": "http://127.0.0.1:9/erp/orders"})
    csrf = await sign_in_admin(client, db, shop.store.id, role="owner")
    headers = {"X-CSRF-Token": csrf}
    url = "/api/v1/admin/health/{}/breaker"

    not_configured = await client.post(
        url.format("balance"), json={"action": "reset"}, headers=headers
    )
    assert not_configured.status_code == 409
    assert (
        "Balance" in not_configured.json()["message"]
        or "balance" in not_configured.json()["message"]
    )
    unknown = await client.post(url.format("payroll"), json={"action": "reset"}, headers=headers)
    assert unknown.status_code == 422
    bad_action = await client.post(url.format("orders"), json={"action": "open"}, headers=headers)
    assert bad_action.status_code == 422
    no_csrf = await client.post(url.format("orders"), json={"action": "reset"})
    assert no_csrf.status_code == 403
    assert (await db.execute(select(ErpBreaker))).first() is None


async def test_support_may_not_touch_breakers(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, erp_urls={"orders": "http://127.0.0.1:9/erp/orders"})
    csrf = await sign_in_admin(client, db, shop.store.id, role="support")
    answer = await client.post(
        "/api/v1/admin/health/orders/breaker",
        json={"action": "force_open"},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 403
