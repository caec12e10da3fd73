"""kill -9 of `erpgate serve` while buyers place orders and its own worker sends them: every
order a buyer was told about is in the ERP exactly once after a restart, and no order exists
without its delivery (they are committed together)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from erpgate.kit.clock import utcnow
from erpgate.models.local_order import LocalOrder
from erpgate.models.order_delivery import OrderDelivery
from tests.resilience.processes import (
    base_env,
    prepare_database,
    signed_in_buyer,
    start_app,
    start_mock_erp,
    stopping,
)

pytestmark = pytest.mark.deadlines

THREADS = 4
CONFIRMED_BEFORE_KILL = 12
SHIP_TO = {"address1": "1200 Front St", "city": "Toledo", "zip": "43605", "country": "US"}


def _place_until_gone(base_url: str, cookies: httpx.Cookies, confirmed: list[str]) -> None:
    """Place orders one after another until the app is gone."""
    with httpx.Client(base_url=base_url, cookies=cookies, timeout=10) as client:
        csrf = client.get("/api/v1/storefront/me").json()["csrf_token"]
        body: dict[str, Any] = {"lines": [{"sku": "5620", "quantity": 1}], "ship_to": SHIP_TO}
        n = 0
        while True:
            try:
                quote = client.post("/api/v1/storefront/checkout/quote", json=body).json()
                n += 1
                placed = client.post(
                    "/api/v1/storefront/checkout/orders",
                    json={**body, "shipping_code": quote["shipping_code"], "po_number": f"P{n}"},
                    headers={"X-CSRF-Token": csrf},
                )
            except httpx.TransportError:
                return
            assert placed.status_code == 201, placed.text
            confirmed.append(placed.json()["number"])


def _rows(database_url: str) -> tuple[list[Any], list[Any]]:
    from erpgate.db.engine import create_engine

    async def read() -> tuple[list[Any], list[Any]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                orders = list((await conn.execute(select(LocalOrder.__table__))).all())
                deliveries = list((await conn.execute(select(OrderDelivery.__table__))).all())
                return orders, deliveries
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _expire_leases(database_url: str) -> None:
    """A row the dead app was sending stays leased for two minutes; stand for that wait."""
    from erpgate.db.engine import create_engine

    async def expire() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    update(OrderDelivery.__table__)
                    .where(OrderDelivery.__table__.c.state == "sending")
                    .values(lease_expires_at=utcnow() - timedelta(seconds=1))
                )
        finally:
            await engine.dispose()

    asyncio.run(expire())


def test_app_killed_while_placing_and_sending_orders_delivers_each_once(tmp_path: Path) -> None:
    database_url = os.environ.get("ERPGATE_TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    )
    env = base_env(database_url, tmp_path, worker_poll_seconds="0.05")
    with stopping([]) as processes:
        # Creating an order takes the ERP a moment: the kill lands while some are on their way.
        erp, erp_port = start_mock_erp(env, ["submit_order=latency:0.1"])
        processes.append(erp)
        prepare_database(env, erp_port)
        app, base_url = start_app(env)
        processes.append(app)

        confirmed: list[str] = []
        with signed_in_buyer(base_url) as buyer, ThreadPoolExecutor(THREADS) as pool:
            drivers = [
                pool.submit(_place_until_gone, base_url, buyer.cookies, confirmed)
                for _ in range(THREADS)
            ]
            deadline = time.monotonic() + 60
            while len(confirmed) < CONFIRMED_BEFORE_KILL and time.monotonic() < deadline:
                if any(d.done() for d in drivers):
                    break  # a driver failed: its exception surfaces below
                time.sleep(0.01)
            os.kill(app.pid, signal.SIGKILL)
            app.wait(10)
            for driver in drivers:
                driver.result()
        assert len(confirmed) >= CONFIRMED_BEFORE_KILL

        orders, deliveries = _rows(database_url)
        # Committed together: no order without its delivery, none the other way round.
        assert {o.id for o in orders} == {d.order_id for d in deliveries}
        assert set(confirmed) <= {o.number for o in orders}
        sent_before = sum(1 for d in deliveries if d.state == "sent")
        assert sent_before < len(deliveries)  # the kill left work for the restart

        _expire_leases(database_url)
        restarted, _base_url = start_app(env)
        processes.append(restarted)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            _orders, deliveries = _rows(database_url)
            if all(d.state == "sent" for d in deliveries):
                break
            time.sleep(0.1)
        assert {d.state for d in deliveries} == {"sent"}

        submitted = httpx.get(f"http://127.0.0.1:{erp_port}/_control/submitted").json()
        by_key = {s["key"]: s for s in submitted["submitted"]}
        assert set(by_key) == {o.number for o in orders}
        assert all(len(s["order_ids"]) == 1 for s in by_key.values())  # one ERP order each
        assert {d.order_number: d.erp_order_id for d in deliveries} == {
            key: s["order_ids"][0] for key, s in by_key.items()
        }
