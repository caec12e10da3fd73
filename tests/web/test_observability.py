"""/metrics, /healthz and /readyz of one app: ERP calls and HTTP requests counted on bounded
labels, the breaker state, database figures, and readiness that answers within its timeout."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.db.engine import create_engine
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpTimeoutError
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, NullSink
from tests.erp.loopback import (
    PAYLOAD,
    ListAnswer,
    answer_json,
    answer_status,
    loopback_server,
    options,
    target,
)
from tests.event.helpers import make_shop

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient) -> tuple[str, Samples]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return answer.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _read(gateway: ErpGateway, url: str, store_id: uuid.UUID, customer: str) -> None:
    erp_target = replace(target(url, store_id=store_id), store_slug="acme")
    actor = Actor(source="storefront", customer_code=customer)
    call = ErpCall.raw(Endpoint.ORDERS, PAYLOAD, ListAnswer, actor)
    await gateway.read(erp_target, call, coalesce=False)


async def test_erp_calls_are_counted_by_store_endpoint_outcome_and_kind(
    client: httpx.AsyncClient,
) -> None:
    store_id = uuid.uuid4()
    gateway = ErpGateway(options(breaker_min_calls=3, breaker_min_customers=1), NullSink())
    await gateway.start()
    labels = {"store": "acme", "endpoint": "orders"}
    try:
        _, before = await scrape(client)
        async with loopback_server() as erp:
            ok = erp.route("/ok", answer_json({"data": []}))
            failing = erp.route("/down", answer_status(500))
            await _read(gateway, ok, store_id, "C1")
            for customer in ("C1", "C2", "C3", "C4"):
                await _read(gateway, failing, store_id, customer)
        text, after = await scrape(client)
    finally:
        await gateway.close()

    def added(name: str, **extra: str) -> float:
        return value(after, name, **labels, **extra) - value(before, name, **labels, **extra)

    calls = "erpgate_erp_calls_total"
    assert added(calls, outcome="success", kind="none") == 1
    # Three calls, two failed: the breaker opened and refused the last two.
    assert added(calls, outcome="error", kind="status_5xx") == 2
    assert added(calls, outcome="refused", kind="breaker_open") == 2
    assert added("erpgate_erp_call_duration_seconds_count") == 3
    # The breakers are those of the app's own gateway; this one is not on the app's page.
    assert "# TYPE erpgate_erp_breaker_state gauge" in text
    assert gateway.breaker_state(store_id, Endpoint.ORDERS) == "open"


async def test_the_app_breaker_state_and_database_figures_are_scraped(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, slug="acme")
    board = app.state.erpgate.gateway.breakers
    breaker = board.get(shop.store.id, Endpoint.BALANCE, "acme")
    for customer in "ABCDEFGHIJ":
        assert breaker.admit()
        breaker.record(ErpTimeoutError("ERP did not answer within 5.0 s"), customer)

    _, samples = await scrape(client)
    assert value(samples, "erpgate_erp_breaker_state", store="acme", endpoint="balance") == 2
    assert value(samples, "erpgate_database_up") == 1
    assert value(samples, "erpgate_outbox_backlog", channel="email") == 0
    assert ("erpgate_outbox_oldest_age_seconds", (("channel", "webhook"),)) in samples


async def test_http_requests_are_labelled_by_route_template_never_the_raw_path(
    client: httpx.AsyncClient,
) -> None:
    for n in range(5):
        assert (await client.get(f"/api/v1/storefront/orders/SO-{n}")).status_code == 401
        assert (await client.get(f"/no/such/page/{n}")).status_code == 404
    text, samples = await scrape(client)
    route = "/api/v1/storefront/orders/{order_id}"
    assert (
        value(samples, "erpgate_http_requests_total", route=route, method="GET", status="401") >= 5
    )
    assert (
        value(samples, "erpgate_http_requests_total", route="unmatched", method="GET", status="404")
        >= 5
    )
    assert "SO-3" not in text and "/no/such/page" not in text


async def test_a_scrape_during_an_outage_of_1000_customers_stays_the_same_size(
    client: httpx.AsyncClient,
) -> None:
    """A thousand customers failing (and a thousand odd paths) add no series: labels are store,
    endpoint, outcome, kind and route templates only."""
    store_id = uuid.uuid4()
    # A breaker that never opens: every one of the thousand calls goes out and fails.
    gateway = ErpGateway(options(breaker_min_calls=100_000), NullSink())
    await gateway.start()
    try:
        async with loopback_server() as erp:
            url = erp.route("/down", answer_status(500))
            for n in range(10):
                await _read(gateway, url, store_id, f"C{n:05d}")
                await client.get(f"/api/v1/storefront/invoices/INV-{n}")
            small, _ = await scrape(client)
            for n in range(10, 1000):
                await _read(gateway, url, store_id, f"C{n:05d}")
                await client.get(f"/api/v1/storefront/invoices/INV-{n}")
            large, samples = await scrape(client)
    finally:
        await gateway.close()
    series = lambda text: [line for line in text.splitlines() if not line.startswith("#")]  # noqa: E731
    assert len(series(large)) == len(series(small))
    assert "C00999" not in large and "INV-999" not in large
    assert (
        value(
            samples,
            "erpgate_erp_calls_total",
            store="acme",
            endpoint="orders",
            outcome="error",
            kind="status_5xx",
        )
        >= 1000
    )


async def test_healthz_is_liveness_and_readyz_checks_the_database(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/healthz")).text == "ok"
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})

    app.state.erpgate.draining.begin("shutting down")
    draining = await client.get("/readyz")
    assert (draining.status_code, draining.json()["reason"]) == (503, "shutting down")
    assert (await client.get("/healthz")).status_code == 200  # still alive while draining


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts connections and never answers: a database host gone silent."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


async def test_readyz_answers_503_when_the_database_stops_answering(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    state = app.state.erpgate
    working = state.engine
    with black_hole() as port:
        state.engine = create_engine(f"postgresql+asyncpg://erpgate:pw@127.0.0.1:{port}/erpgate")
        try:
            began = time.monotonic()
            answer = await asyncio.wait_for(client.get("/readyz"), timeout=10)
            waited = time.monotonic() - began
        finally:
            await state.engine.dispose()
            state.engine = working
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable",
        "reason": f"the database did not answer within {state.settings.ready_timeout_seconds:g} s",
    }
    assert waited < 8  # a generous bound: the point is that it does not hang


async def test_readyz_names_a_refused_database_and_a_missing_migration(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: object
) -> None:
    state = app.state.erpgate
    working = state.engine
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    state.engine = create_engine(f"postgresql+asyncpg://erpgate:pw@127.0.0.1:{port}/erpgate")
    try:
        refused = await client.get("/readyz")
    finally:
        await state.engine.dispose()
    state.engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    try:
        empty = await client.get("/readyz")
    finally:
        await state.engine.dispose()
        state.engine = working
    assert refused.status_code == 503
    assert refused.json()["reason"].startswith("cannot use the database at ERPGATE_DATABASE_URL")
    assert empty.status_code == 503
    assert empty.json()["reason"] == (
        "the database has no erpgate tables yet: run `erpgate migrate` first"
    )
