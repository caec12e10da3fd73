"""Storefront test fixtures: a store wired to the mock ERP, its buyers, and signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import catalog
from erpgate.checkout.demo import demo_catalog_csv
from erpgate.config import Settings
from erpgate.customer import service as customer_service
from erpgate.erp.endpoints import Endpoint
from erpgate.event.gateway import EVENT_RECORDER, CallRecord
from erpgate.integration import service as integration_service
from erpgate.kit.crypto import SecretBox
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.store import Store
from erpgate.store import service as store_service

BUYER = ("buyer@example.com", "demo-buyer-pw")
VIEWER = ("viewer@example.com", "demo-viewer-pw")
OTHER = ("other@example.com", "other-buyer-pw")  # a buyer of the second customer account


class SpyRecorder:
    """Keeps every CallRecord for assertions and hands it on to the app's own EventRecorder
    (or stands in for it while none is registered at startup)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[CallRecord] = []

    async def record(self, call: CallRecord) -> None:
        self.calls.append(call)
        if self.inner is not None:
            await self.inner.record(call)


@dataclass
class Shop:
    store: Store
    recorder: Any
    accounts: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def recorder(app: FastAPI) -> Iterator[SpyRecorder]:
    services = app.state.erpgate.services
    inner = services.get(EVENT_RECORDER)
    spy = SpyRecorder(inner)
    services[EVENT_RECORDER] = spy
    yield spy
    # The app's shutdown closes its own recorder: hand it back before the lifespan ends.
    if inner is None:
        services.pop(EVENT_RECORDER, None)
    else:
        services[EVENT_RECORDER] = inner


async def build_shop(
    db: AsyncSession,
    settings: Settings,
    urls: dict[str, str],
    recorder: Any,
    *,
    tax_failure_policy: str = "estimate",
    slug: str = "demo",
) -> Shop:
    store = await store_service.create_store(
        db, slug=slug, name="Demo <Industrial> Supply", fallback_tax_rate="0.0725"
    )
    await integration_service.install(
        db,
        store.id,
        SecretBox(settings.encryption_keys),
        token="mock-token",
        urls={Endpoint(name): url for name, url in urls.items()},
        tax_failure_policy=tax_failure_policy,
    )
    shop = Shop(store=store, recorder=recorder)
    for name, code in (("Acme Industrial Supply", "C0004935"), ("Gibsonburg Hardware", "C010268")):
        shop.accounts[code] = await customer_service.create_account(
            db, store.id, name=name, customer_code=code
        )
    for (email, password), code, perms in (
        (BUYER, "C0004935", ("orders", "invoices", "balance", "checkout")),
        (VIEWER, "C0004935", ("orders",)),
        (OTHER, "C010268", ("orders", "invoices", "balance", "checkout")),
    ):
        shop.users[email] = await customer_service.create_buyer(
            db,
            store.id,
            customer_account_id=shop.accounts[code].id,
            email=email,
            password=password,
            name=email.split("@")[0].title(),
            permissions=perms,
        )
    report = await catalog.import_catalog(db, store.id, demo_catalog_csv())
    assert report.ok
    await db.commit()
    return shop


@pytest.fixture
async def shop(
    db: AsyncSession, settings: Settings, mock_erp: MockErpHandle, recorder: Any
) -> Shop:
    return await build_shop(db, settings, mock_erp.urls, recorder)


async def login(client: httpx.AsyncClient, who: tuple[str, str], store: str | None = "demo") -> str:
    body: dict[str, Any] = {"email": who[0], "password": who[1]}
    if store is not None:
        body["store"] = store
    response = await client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf


@pytest.fixture
async def buyer_client(client: httpx.AsyncClient, shop: Shop) -> httpx.AsyncClient:
    await login(client, BUYER)
    return client


def erp_bodies(mock_erp: MockErpHandle, endpoint: str) -> list[dict[str, Any]]:
    return [r["body"] for r in mock_erp.recent_requests() if r["endpoint"] == endpoint]
