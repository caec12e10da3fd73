"""kill -9 of `erpgate worker` while it sends placed orders: after a restart every order is in
the ERP exactly once, the one in flight at the kill included (sent again under its key, the ERP
answers with the order it created)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import service as checkout_service
from erpgate.config import Settings
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, NullSink
from erpgate.integration import service as integration_service
from erpgate.kit.clock import Clock, utcnow
from erpgate.kit.crypto import SecretBox
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.order_delivery import OrderDelivery
from erpgate.store import service as store_service
from tests.storefront.conftest import build_shop

pytestmark = pytest.mark.deadlines

PLACED = 24
SHIP_TO = {"address1": "1200 Front St", "city": "Toledo", "zip": "43605", "country": "US"}


def _worker(database_url: str, workdir: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ERPGATE_DATABASE_URL": database_url,
        "ERPGATE_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "ERPGATE_WORKER_POLL_SECONDS": "0.05",
        "ERPGATE_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "erpgate.cli", "worker", *extra], env=env, cwd=workdir
    )


async def _place_orders(db: AsyncSession, settings: Settings, mock_erp: MockErpHandle) -> set[str]:
    # The store's built-in shipping methods: the orders differ only in what they hold.
    urls = {name: url for name, url in mock_erp.urls.items() if name != "shipping"}
    shop = await build_shop(db, settings, urls, None)
    options = ErpClientOptions.from_settings(settings)
    gateway = ErpGateway(options, NullSink())
    await gateway.start()
    try:
        live = await integration_service.load_live_integration(
            db, shop.store.id, SecretBox(settings.encryption_keys), options
        )
        store = await store_service.get_store(db, shop.store.id)
        assert store is not None
        account = shop.accounts["C0004935"]
        buyer = checkout_service.CheckoutBuyer(store, account, Actor("storefront"))
        numbers = set()
        for n in range(PLACED):
            order, _lines, delivery = await checkout_service.place_order(
                gateway,
                Clock(),
                db,
                live,
                buyer,
                [{"sku": "5620", "quantity": n + 1}],
                SHIP_TO,
                "standard",
                f"PO-{n}",
            )
            assert delivery is not None
            numbers.add(order.number)
        await db.commit()
    finally:
        await gateway.close()
    return numbers


async def test_worker_killed_while_sending_orders_leaves_each_in_the_erp_once(
    database_url: str, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle, tmp_path: Path
) -> None:
    numbers = await _place_orders(db, settings, mock_erp)
    # Each creation takes a moment, so the kill lands while an order is on its way.
    mock_erp.set_fault("submit_order", "latency", seconds=0.15)
    worker = _worker(database_url, tmp_path)
    deadline = time.monotonic() + 60
    while len(mock_erp.submissions()) < PLACED // 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # the mock ERP answers on this loop: never block it
    os.kill(worker.pid, signal.SIGKILL)
    await asyncio.to_thread(worker.wait, 10)
    before_restart = len(mock_erp.submissions())
    assert 0 < before_restart < PLACED  # the kill really landed mid-run

    # The dead worker's claimed row stays leased for two minutes; stand for that wait.
    await db.execute(
        update(OrderDelivery)
        .where(OrderDelivery.state == "sending")
        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
    )
    await db.commit()
    restarted = _worker(database_url, tmp_path, "--once")
    assert await asyncio.to_thread(restarted.wait, 60) == 0

    submissions = {s["key"]: s for s in mock_erp.submissions()}
    assert set(submissions) == numbers
    assert all(len(s["order_ids"]) == 1 for s in submissions.values())  # one ERP order each
    db.expire_all()
    rows = (await db.execute(select(OrderDelivery))).scalars().all()
    assert {row.state for row in rows} == {"sent"}
    assert {row.order_number: row.erp_order_id for row in rows} == {
        key: s["order_ids"][0] for key, s in submissions.items()
    }
