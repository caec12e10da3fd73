"""Replay: the stored body goes to the endpoint's current URL with current credentials."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.breaker import BreakerPolicy
from erpgate.erp.endpoints import Endpoint
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.audit_log import AuditLog
from erpgate.models.event import Event
from erpgate.models.related_request import RelatedRequest
from tests.event.helpers import make_shop, sign_in_admin
from tests.outcomes.helpers import live_of, read_orders, writer_of


async def flush(app: FastAPI) -> None:
    await writer_of(app).flush()


async def _original_request(app: FastAPI, db: AsyncSession, mock_erp: MockErpHandle) -> tuple:
    settings = app.state.erpgate.settings
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    outcome = await read_orders(app, await live_of(app, db, shop), shop)
    await flush(app)
    request = (await db.execute(select(RelatedRequest))).scalar_one()
    return shop, outcome.trace_id, request


async def test_replay_button_creates_a_new_replay_event(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop, trace_id, request = await _original_request(app, db, mock_erp)
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")
    calls_before = mock_erp.calls("orders")

    answer = await client.post(f"/admin/requests/{request.id}/replay", data={"csrf_token": csrf})

    assert answer.status_code == 303
    new_event = (await db.execute(select(Event).where(Event.source == "replay"))).scalar_one()
    assert answer.headers["location"] == f"/admin/events/{new_event.id}"
    assert new_event.trace_id != trace_id
    assert (new_event.outcome, new_event.customer_code) == ("success", "C0004935")
    assert new_event.user_id == shop.buyer.id
    assert mock_erp.calls("orders") == calls_before + 1
    await flush(app)
    replayed = (
        await db.execute(
            select(RelatedRequest).where(RelatedRequest.trace_id == new_event.trace_id)
        )
    ).scalar_one()
    assert replayed.request_body == request.request_body


async def test_the_page_after_replay_lists_the_new_related_request(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop, _trace, request = await _original_request(app, db, mock_erp)
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")
    mock_erp.set_fault("orders", "status", status=500)  # a failing replay opens a problem

    for _ in range(2):  # the opening, then a repeat of the open problem
        answer = await client.post(
            f"/admin/requests/{request.id}/replay", data={"csrf_token": csrf}
        )
        page = await client.get(answer.headers["location"])  # no flush, no reload

        new_event = (
            await db.execute(
                select(Event).where(Event.id == uuid.UUID(answer.headers["location"][-36:]))
            )
        ).scalar_one()
        replayed = (
            await db.execute(
                select(RelatedRequest).where(RelatedRequest.trace_id == new_event.trace_id)
            )
        ).scalar_one()
        assert f'<a href="/admin/requests/{replayed.id}">{replayed.request_id}</a>' in page.text
        assert replayed.status == 500


async def test_replay_api_needs_csrf_and_the_replay_capability(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop, _trace, request = await _original_request(app, db, mock_erp)
    csrf = await sign_in_admin(client, db, shop.store.id, role="owner")
    path = f"/api/v1/admin/requests/{request.id}/replay"

    assert (await client.post(path)).status_code == 403
    answer = await client.post(path, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201
    assert answer.json()["source"] == "replay"

    support = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with support:
        support_csrf = await sign_in_admin(support, db, shop.store.id, role="support")
        refused = await support.post(path, headers={"X-CSRF-Token": support_csrf})
        assert refused.status_code == 403
        page = await support.get(f"/admin/requests/{request.id}")
        assert ">Replay</button>" not in page.text


async def test_replay_of_another_stores_request_is_not_found(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    _shop, _trace, request = await _original_request(app, db, mock_erp)
    other = await make_shop(db, app.state.erpgate.settings, slug="other")
    csrf = await sign_in_admin(client, db, other.store.id)
    answer = await client.post(
        f"/api/v1/admin/requests/{request.id}/replay", headers={"X-CSRF-Token": csrf}
    )
    assert answer.status_code == 404


async def _failures(app: FastAPI, db: AsyncSession, mock_erp: MockErpHandle, n: int) -> tuple:
    """``n`` failed orders reads (pages 1..n, so each is its own request), stored."""
    settings = app.state.erpgate.settings
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    live = await live_of(app, db, shop)
    mock_erp.set_fault("orders", "status", status=500)
    for page in range(1, n + 1):
        outcome = await read_orders(app, live, shop, page=page)
        assert outcome.failed
    await flush(app)
    mock_erp.clear_faults()
    return shop, live


async def test_bulk_replay_resends_the_selected_failures_and_reports_each(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop, _live = await _failures(app, db, mock_erp, 3)
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")
    calls_before = mock_erp.calls("orders")

    answer = await client.post(
        "/api/v1/admin/events/replay",
        json={"endpoint": "orders", "limit": 2},
        headers={"X-CSRF-Token": csrf},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["summary"] == {
        "replayed": 2,
        "succeeded": 2,
        "not_found": 0,
        "failed": 0,
        "skipped": 0,
        "stopped": None,
    }
    assert mock_erp.calls("orders") == calls_before + 2  # bounded by the limit
    replays = (await db.execute(select(Event).where(Event.source == "replay"))).scalars().all()
    assert {str(e.id) for e in replays} == {item["new_event_id"] for item in body["items"]}
    assert {e.outcome for e in replays} == {"success"}
    audit = (
        await db.execute(select(AuditLog).where(AuditLog.action == "events.replayed"))
    ).scalar_one()
    assert audit.details["succeeded"] == 2 and audit.details["filters"] == {"endpoint": "orders"}


async def test_bulk_replay_from_the_events_page_shows_a_summary_and_stops_on_an_open_breaker(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop, _live = await _failures(app, db, mock_erp, 3)
    csrf = await sign_in_admin(client, db, shop.store.id, role="owner")
    page = await client.get("/admin/events", params={"outcome": "error", "endpoint": "orders"})
    assert "Replay the failed events these filters select (at most 100)" in page.text

    # The ERP still fails: the first replay fails again and opens the breaker (a low threshold
    # here), which refuses the next one, and the rest is not sent.
    mock_erp.set_fault("orders", "status", status=500)
    breaker = app.state.erpgate.gateway.breakers.get(shop.store.id, Endpoint.ORDERS)
    breaker.policy = BreakerPolicy(min_calls=1, min_customers=1)
    calls_before = mock_erp.calls("orders")
    answer = await client.post(
        "/admin/events/replay", data={"csrf_token": csrf, "endpoint": "orders"}
    )
    assert mock_erp.calls("orders") == calls_before + 1
    assert answer.status_code == 200
    assert "1 replayed: 0 succeeded, 1 failed again; 0 skipped." in answer.text
    assert "Stopped early: Calls paused by the circuit breaker" in answer.text


async def test_bulk_replay_needs_the_replay_capability_and_bounds_the_limit(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop, _live = await _failures(app, db, mock_erp, 1)
    csrf = await sign_in_admin(client, db, shop.store.id, role="support")
    refused = await client.post(
        "/api/v1/admin/events/replay", json={}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 403
    owner = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with owner:
        owner_csrf = await sign_in_admin(owner, db, shop.store.id, role="owner")
        too_many = await owner.post(
            "/api/v1/admin/events/replay", json={"limit": 101}, headers={"X-CSRF-Token": owner_csrf}
        )
        assert too_many.status_code == 422
        bad_endpoint = await owner.post(
            "/api/v1/admin/events/replay",
            json={"endpoint": "payroll"},
            headers={"X-CSRF-Token": owner_csrf},
        )
        assert bad_endpoint.status_code == 422
