"""Events end to end: call_erp against the mock ERP, the recorder, and the related requests."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.contract import OrdersListRequest, OrdersListResponse
from erpgate.erp.endpoints import Endpoint
from erpgate.event.gateway import Actor, ErpCallFailed, call_erp
from erpgate.integration.service import load_live_integration
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.event import Event
from erpgate.models.notification import Notification
from erpgate.models.related_request import RelatedRequest
from tests.event.helpers import Shop, make_shop


async def call_orders(app: FastAPI, db: AsyncSession, shop: Shop) -> str:
    state = app.state.erpgate
    live = await load_live_integration(db, shop.store.id, state.secret_box)
    payload = OrdersListRequest(customer_code="C0004935").to_wire()
    actor = Actor(
        source="storefront",
        customer_account_id=shop.account.id,
        customer_code="C0004935",
        user_id=shop.buyer.id,
    )
    result = await call_erp(state, live, Endpoint.ORDERS, payload, OrdersListResponse, actor)
    return result.trace_id


async def flush(app: FastAPI) -> None:
    services: dict[str, Any] = app.state.erpgate.services
    await services["event_recorder"].flush()
    await services["request_writer"].flush()


async def test_a_success_becomes_an_event_with_its_related_request(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    trace_id = await call_orders(app, db, shop)
    await flush(app)

    event = (await db.execute(select(Event))).scalar_one()
    assert (event.type, event.outcome, event.source) == ("erp.orders.list", "success", "storefront")
    assert event.trace_id == trace_id
    assert event.customer_code == "C0004935"
    assert event.data == {
        "external_customer_id": "C0004935",
        "related_to": {"customer": str(shop.account.id), "user": str(shop.buyer.id)},
        "trace_id": trace_id,
        "error": "",
    }
    request = (await db.execute(select(RelatedRequest))).scalar_one()
    assert request.trace_id == trace_id
    assert (request.method, request.status, request.endpoint) == ("POST", 200, "orders")
    assert request.url == mock_erp.urls["orders"]
    assert ["Authorization", "••••"] in request.request_headers
    assert "mock-token" not in str(request.request_headers)


async def test_a_failure_is_written_before_the_caller_continues_with_its_email(
    app: FastAPI, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings, erp_urls=mock_erp.urls)
    mock_erp.set_fault("orders", "status", status=500)

    with pytest.raises(ErpCallFailed) as failed:
        await call_orders(app, db, shop)

    # No flush: the error event and its e-mail are already committed.
    event = (await db.execute(select(Event))).scalar_one()
    assert event.outcome == "error"
    assert event.trace_id == failed.value.reference
    assert event.error == failed.value.error.human
    assert event.data["error"] == failed.value.error.human
    mail = (await db.execute(select(Notification))).scalar_one()
    assert mail.kind == "error"
    assert mail.event_id == event.id
    assert mail.receivers == ["it@acme.example.com"]
    assert f"http://testserver/admin/events/{event.id}" in mail.body
    assert "mock-token" not in mail.body


@pytest.fixture
def settings_unsampled(settings: Settings) -> Settings:
    return settings.model_copy(update={"event_success_sample_rate": 0.0})


async def test_successes_may_be_sampled_away_but_errors_never(
    settings_unsampled: Settings, engine: Any, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    from erpgate.app import create_app
    from erpgate.kit.clock import Clock

    app = create_app(settings_unsampled, clock=Clock())
    async with app.router.lifespan_context(app):
        shop = await make_shop(db, settings_unsampled, erp_urls=mock_erp.urls)
        await call_orders(app, db, shop)
        mock_erp.set_fault("orders", "status", status=500)
        with pytest.raises(ErpCallFailed):
            await call_orders(app, db, shop)
        await flush(app)
    outcomes = [e.outcome for e in (await db.execute(select(Event))).scalars()]
    assert outcomes == ["error"]
