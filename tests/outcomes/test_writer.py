"""The outcome writer end to end: gateway calls against the mock ERP become events, related
requests and problems; only the first failure of a new problem is written before the answer."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.endpoints import Endpoint
from erpgate.kit.references import parse_reference
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.event import Event
from erpgate.models.notification import Notification
from erpgate.models.problem import Problem
from erpgate.models.related_request import RelatedRequest
from tests.event.helpers import make_shop
from tests.outcomes.helpers import live_of, read_orders, rows, writer_of


async def test_a_success_becomes_an_event_with_its_masked_related_request(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    outcome = await read_orders(app, await live_of(app, db, shop), shop)
    assert await rows(db, Event) == []  # nothing written on the request path
    await writer_of(app).flush()

    [event] = await rows(db, Event)
    assert (event.type, event.outcome, event.source) == ("erp.orders.list", "success", "storefront")
    assert (event.trace_id, event.reference, event.problem_id) == (outcome.trace_id, None, None)
    assert event.data == {
        "external_customer_id": "C0004935",
        "related_to": {"customer": str(shop.account.id), "user": str(shop.buyer.id)},
        "trace_id": outcome.trace_id,
        "error": "",
    }
    [request] = await rows(db, RelatedRequest)
    assert (request.trace_id, request.method, request.status) == (outcome.trace_id, "POST", 200)
    assert request.url == mock_erp.urls["orders"]
    assert ["Authorization", "••••"] in request.request_headers
    assert "mock-token" not in str(request.request_headers) + (request.request_body or "")


async def test_the_first_failure_of_a_problem_is_stored_before_the_answer(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    mock_erp.set_fault("orders", "status", status=503)

    outcome = await read_orders(app, await live_of(app, db, shop), shop)

    # No flush: the problem and its first event are committed already.
    [problem] = await rows(db, Problem)
    assert (problem.endpoint, problem.kind, problem.scope, problem.state) == (
        "orders",
        "unavailable",
        "endpoint",
        "open",
    )
    assert (problem.occurrences, problem.customers, problem.customer_key) == (1, 1, "")
    [event] = await rows(db, Event)
    assert (event.outcome, event.problem_id, event.reference) == (
        "error",
        problem.id,
        outcome.reference,
    )
    assert problem.sample_event_ids == [str(event.id)]
    assert outcome.reference is not None
    parsed = parse_reference(outcome.reference)
    assert parsed is not None and parsed[0] == problem.code
    await writer_of(app).flush()  # the e-mail is decided from what was stored
    [mail] = await rows(db, Notification)
    assert (mail.kind, mail.problem_id, mail.event_id) == ("opened", problem.id, event.id)
    assert mail.receivers == ["it@acme.example.com"]
    assert f"http://testserver/admin/problems/{problem.id}" in mail.body
    assert "mock-token" not in mail.body


async def test_repeats_fold_into_the_problem_and_are_written_at_the_next_flush(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    mock_erp.set_fault("orders", "status", status=503)
    first = await read_orders(app, live, shop)
    repeats = [await read_orders(app, live, shop, page=page) for page in range(2, 6)]
    await writer_of(app).flush()

    [problem] = await rows(db, Problem)
    assert problem.occurrences == 5
    events = await rows(db, Event)
    assert {e.problem_id for e in events} == {problem.id}
    assert {e.reference for e in events} == {o.reference for o in [first, *repeats]}
    assert all(
        (parsed := parse_reference(o.reference or "")) and parsed[0] == problem.code
        for o in repeats
    )
    assert [m.kind for m in await rows(db, Notification)] == ["opened"]  # one per problem


async def test_breaker_refusals_are_only_counted(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    mock_erp.set_fault("orders", "status", status=503)
    gateway = app.state.erpgate.gateway
    breaker = gateway.breakers.get(shop.store.id, Endpoint.ORDERS)
    for customer in ("C1", "C2", "C3", "C1", "C2", "C3", "C1", "C2", "C3", "C1"):
        await read_orders(app, live, shop, customer=customer, page=2)
    assert breaker.state == "open"
    calls_before = mock_erp.calls("orders")

    refused = [await read_orders(app, live, shop, page=page) for page in range(10, 30)]
    await writer_of(app).flush()

    assert mock_erp.calls("orders") == calls_before  # nothing left the process
    assert all(o.refused for o in refused)
    [problem] = await rows(db, Problem)
    assert (problem.occurrences, problem.refusals) == (10, 20)
    assert len(await rows(db, Event)) == 10  # one per real call, none per refusal
    assert {parse_reference(o.reference or "")[0] for o in refused} == {problem.code}  # type: ignore[index]


async def test_one_customers_contract_break_is_that_customers_problem(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    mock_erp.set_fault("orders", "contract_break")
    await read_orders(app, live, shop, customer="C0004935")
    await read_orders(app, live, shop, customer="C010268")
    await writer_of(app).flush()

    problems = sorted(await rows(db, Problem), key=lambda p: p.customer_key)
    assert [(p.kind, p.scope, p.customer_key) for p in problems] == [
        ("contract", "customer", "C0004935"),
        ("contract", "customer", "C010268"),
    ]


async def test_successes_may_be_sampled_away_but_failures_never(
    settings: Settings, engine: Any, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    from erpgate.app import create_app
    from erpgate.kit.clock import Clock

    unsampled = settings.model_copy(update={"event_success_sample_rate": 0.0})
    app = create_app(unsampled, clock=Clock())
    async with app.router.lifespan_context(app):
        shop = await make_shop(db, unsampled, erp_urls=mock_erp.urls)
        live = await live_of(app, db, shop)
        await read_orders(app, live, shop)
        mock_erp.set_fault("orders", "status", status=500)
        await read_orders(app, live, shop, page=2)
        await writer_of(app).flush()
    assert [e.outcome for e in await rows(db, Event)] == ["error"]
    assert len(await rows(db, RelatedRequest)) == 1  # the failure's; none of the success


async def test_an_ordinary_success_keeps_its_requests_at_the_sample_rate_debugging_always(
    settings: Settings, engine: Any, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    """With the related requests of successes sampled away entirely, an ordinary buyer's
    success is still an event (marked so), while a not-found, an admin's durable call, a call
    made through Login on storefront and a failure keep their request and answer."""
    from erpgate.app import create_app
    from erpgate.erp.contract import OrderRequest, OrderResponse
    from erpgate.erp.outcome import Actor, ErpCall
    from erpgate.kit.clock import Clock

    unsampled = settings.model_copy(update={"success_requests_sample_rate": 0.0})
    app = create_app(unsampled, clock=Clock())
    async with app.router.lifespan_context(app):
        shop = await make_shop(db, unsampled, erp_urls=mock_erp.urls)
        live = await live_of(app, db, shop)
        plain = await read_orders(app, live, shop)
        durable = await read_orders(app, live, shop, page=2, durable=True)
        debugged = await read_orders(app, live, shop, page=3, impersonator_admin_id=uuid.uuid4())
        actor = Actor(source="storefront", customer_code="C0004935", user_id=shop.buyer.id)
        unknown = OrderRequest(customer_code="C0004935", order_id="SO-NOT-THERE")
        target = live.target(Endpoint.ORDER)
        assert target is not None
        missing = await app.state.erpgate.gateway.read(
            target, ErpCall.of(Endpoint.ORDER, unknown, OrderResponse, actor)
        )
        assert missing.not_found
        mock_erp.set_fault("orders", "status", status=500)
        failed = await read_orders(app, live, shop, page=4)
        await writer_of(app).flush()

    events = {e.trace_id: e for e in await rows(db, Event)}
    kept = {r.trace_id for r in await rows(db, RelatedRequest)}
    assert len(events) == 5
    assert events[plain.trace_id].outcome == "success"
    assert events[plain.trace_id].requests_kept is False
    assert plain.trace_id not in kept
    for outcome in (durable, debugged, missing, failed):
        assert events[outcome.trace_id].requests_kept is True
        assert outcome.trace_id in kept


async def test_a_success_keeps_its_requests_about_as_often_as_the_sample_rate_says(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    import random

    writer = writer_of(app)
    full = writer.settings
    writer.settings = dataclasses.replace(full, success_requests_sample_rate=0.25)
    writer._rng = random.Random(7)  # a fixed draw: the share is exact for this seed
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    try:
        for page in range(1, 81):
            await read_orders(app, live, shop, page=page)
        await writer.flush()
    finally:
        writer.settings = full
    events = await rows(db, Event)
    kept = [e for e in events if e.requests_kept]
    assert len(events) == 80
    assert 10 <= len(kept) <= 30  # 20 expected
    assert len(await rows(db, RelatedRequest)) == len(kept)


async def test_a_full_queue_drops_and_counts_but_the_problem_still_opens(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    writer = writer_of(app)
    dropped_before = (
        REGISTRY.get_sample_value("erpgate_records_dropped_total", {"kind": "outcome"}) or 0.0
    )
    roomy = writer.settings
    writer.settings = dataclasses.replace(roomy, queue_size=0)  # the queue is always full
    mock_erp.set_fault("orders", "status", status=503)
    try:
        outcome = await read_orders(app, live, shop)
        repeat = await read_orders(app, live, shop, page=2)
    finally:
        writer.settings = roomy

    [problem] = await rows(db, Problem)
    assert problem.state == "open"
    assert outcome.reference is not None and repeat.reference is not None
    dropped = REGISTRY.get_sample_value("erpgate_records_dropped_total", {"kind": "outcome"})
    # The opening's related requests and the repeat's event; the opening's event was written
    # at once, with the problem.
    assert dropped == dropped_before + 2
    await writer.flush()
    assert (await rows(db, Problem))[0].occurrences == 2  # counted in memory all the same


async def test_a_problem_whose_customer_was_deleted_meanwhile_is_written(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    mock_erp.set_fault("orders", "contract_break")
    await read_orders(app, live, shop)
    await db.execute(delete(CustomerAccount).where(CustomerAccount.id == shop.account.id))
    await db.commit()
    await read_orders(app, live, shop, page=2)
    await writer_of(app).flush()

    [problem] = await rows(db, Problem)
    assert (problem.occurrences, problem.customer_key) == (2, "C0004935")
    assert len(await rows(db, Event)) == 2


async def test_a_durable_call_returns_after_its_event_is_stored(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    outcome = await read_orders(app, await live_of(app, db, shop), shop, durable=True)

    [event] = await rows(db, Event)
    assert event.trace_id == outcome.trace_id


async def test_a_durable_call_opening_a_problem_returns_after_its_related_requests(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    # A buyer waits only for the problem and its event; a replay's page lists its request too.
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    mock_erp.set_fault("orders", "status", status=503)

    outcome = await read_orders(app, await live_of(app, db, shop), shop, durable=True)

    [event] = await rows(db, Event)
    requests = await rows(db, RelatedRequest)
    assert event.trace_id == outcome.trace_id
    # Both attempts: a 503 is tried again once within the deadline.
    assert [(r.trace_id, r.status) for r in requests] == [(outcome.trace_id, 503)] * 2


async def test_a_durable_call_failing_while_its_problem_opens_returns_after_its_event(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    # A replay made while the storefront's first failure of the same problem is being written:
    # the admin is shown the replay's event (and its related request) right after it returns.
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    mock_erp.set_fault("orders", "status", status=503)

    buyer, replay = await asyncio.gather(
        read_orders(app, live, shop), read_orders(app, live, shop, page=2, durable=True)
    )

    events = {event.trace_id: event for event in await rows(db, Event)}
    assert set(events) == {buyer.trace_id, replay.trace_id}
    [problem] = await rows(db, Problem)
    assert events[replay.trace_id].problem_id == problem.id
    requests = [r.trace_id for r in await rows(db, RelatedRequest)]
    assert replay.trace_id in requests


@pytest.fixture
def settings_few_successes(settings: Settings) -> Settings:
    return settings.model_copy(update={"problem_resolve_after_successes": 3})


async def test_a_run_of_successes_resolves_the_problem_and_the_next_failure_reopens_it(
    settings_few_successes: Settings, engine: Any, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    from erpgate.app import create_app
    from erpgate.kit.clock import Clock

    app = create_app(settings_few_successes, clock=Clock())
    async with app.router.lifespan_context(app):
        shop = await make_shop(db, settings_few_successes, erp_urls=mock_erp.urls)
        live = await live_of(app, db, shop)
        mock_erp.set_fault("orders", "status", status=503)
        await read_orders(app, live, shop)
        mock_erp.clear_faults()
        for page in range(2, 5):
            await read_orders(app, live, shop, page=page)
        await writer_of(app).flush()
        [problem] = await rows(db, Problem)
        resolved = (problem.state, problem.resolved_by)
        mock_erp.set_fault("orders", "status", status=503)
        await read_orders(app, live, shop, page=9)
        [problem] = await rows(db, Problem)

    assert resolved == ("resolved", "successes")
    assert (problem.state, problem.episodes, problem.occurrences) == ("open", 2, 2)
    kinds = [m.kind for m in await rows(db, Notification)]
    assert kinds[:2] == ["opened", "resolved"]
