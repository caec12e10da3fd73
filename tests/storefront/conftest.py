"""Storefront test fixtures: a store wired to the mock ERP, its buyers, and signed-in clients."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import catalog
from erpgate.checkout.demo import demo_catalog_csv
from erpgate.config import Settings
from erpgate.customer import service as customer_service
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.outcome import Actor, Outcome
from erpgate.integration import service as integration_service
from erpgate.kit.crypto import SecretBox
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.event import Event
from erpgate.models.store import Store
from erpgate.outcomes.rows import event_row, event_type
from erpgate.store import service as store_service

BUYER = ("buyer@example.com", "demo-buyer-pw")
VIEWER = ("viewer@example.com", "demo-viewer-pw")
OTHER = ("other@example.com", "other-buyer-pw")  # a buyer of the second customer account


@dataclass(frozen=True)
class Seen:
    """One outcome as the tests assert on it."""

    endpoint: Endpoint
    outcome: str  # "success", "error" or "not_found"
    error_kind: str | None
    error: str  # the human sentence ("" unless it failed)
    duration_ms: float
    actor: Actor
    trace_id: str
    reference: str | None
    event_type: str
    data: dict[str, Any]  # the event data the writer stores for it

    def event_data(self) -> dict[str, Any]:
        return self.data


class SpySink:
    """Sits between the gateway and the app's outcome writer: keeps every outcome for
    assertions and hands it on unchanged."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.outcomes: list[Outcome[Any]] = []

    def accept(self, outcome: Outcome[Any]) -> Any:
        self.outcomes.append(outcome)
        return self.inner.accept(outcome)

    @property
    def calls(self) -> list[Seen]:
        return [
            Seen(
                endpoint=o.call.endpoint,
                outcome="success" if o.ok else "not_found" if o.not_found else "error",
                error_kind=o.error.kind if o.failed and o.error is not None else None,
                error=o.error.human if o.failed and o.error is not None else "",
                duration_ms=o.duration_ms,
                actor=o.call.actor,
                trace_id=o.trace_id,
                reference=o.reference,
                event_type=event_type(o),
                data=Event(**event_row(o, uuid.uuid4(), problem_id=None, reference=None)).data,
            )
            for o in self.outcomes
        ]


SpyRecorder = SpySink  # the fixture kept its name: tests ask for ``recorder``


@dataclass
class Shop:
    store: Store
    recorder: Any
    accounts: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def recorder(app: FastAPI) -> Iterator[SpySink]:
    gateway = app.state.erpgate.gateway
    inner = gateway.sink
    spy = SpySink(inner)
    gateway.sink = spy
    yield spy
    gateway.sink = inner


@asynccontextmanager
async def answering_erp(answers: dict[str, Any]) -> AsyncIterator[dict[str, str]]:
    """A loopback ERP that gives each endpoint its one fixed answer; yields the endpoint URLs."""
    app = web.Application()
    for name, body in answers.items():

        async def answer(request: web.Request, body: Any = body) -> web.Response:
            return web.json_response(body)

        app.router.add_post(f"/{name}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield {name: f"http://127.0.0.1:{port}/{name}" for name in answers}
    finally:
        await runner.cleanup()


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


# Orders placed in these tests stay in the store (tests/delivery send them to the ERP), and the
# catalog's own prices apply (tests/pricing switch live prices and stock on).
NOT_READ_BY_DEFAULT = frozenset({"submit_order", "prices", "inventory"})


def read_urls(mock_erp: MockErpHandle) -> dict[str, str]:
    """Every endpoint of the mock ERP but submit_order, prices and inventory."""
    return {name: url for name, url in mock_erp.urls.items() if name not in NOT_READ_BY_DEFAULT}


@pytest.fixture
async def shop(
    db: AsyncSession, settings: Settings, mock_erp: MockErpHandle, recorder: Any
) -> Shop:
    return await build_shop(db, settings, read_urls(mock_erp), recorder)


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
