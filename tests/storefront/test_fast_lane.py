"""The storefront's hot reads served by the fast lane answer exactly as the whole stack does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.mock_erp.server import MockErpHandle
from erpgate.storefront import api, api_keys
from erpgate.storefront.buyers import Buyer
from erpgate.storefront.deps import ApiBuyer, api_buyer
from erpgate.storefront.fast_lane import FastLane, servable_routes
from tests.storefront.conftest import BUYER, VIEWER, Shop, login


@pytest.fixture
def lane_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the fast lane served (the rest went down the whole stack)."""
    served: list[str] = []
    serve = FastLane._serve

    async def spy(self: FastLane, route: Any, request: Request, *args: Any) -> None:
        served.append(request.url.path)
        await serve(self, route, request, *args)

    monkeypatch.setattr(FastLane, "_serve", spy)
    return served


async def _api_key_headers(db: AsyncSession, shop: Shop, email: str) -> dict[str, str]:
    _record, plaintext = await api_keys.create_api_key(db, shop.store.id, "parity")
    await db.commit()
    return {"Authorization": f"Bearer {plaintext}", "X-On-Behalf-Of": email}


def test_the_lane_serves_the_five_storefront_reads() -> None:
    paths = [route.path for route in servable_routes(api.router.routes)]
    assert paths == [
        "/api/v1/storefront/orders",
        "/api/v1/storefront/orders/{order_id}",
        "/api/v1/storefront/invoices",
        "/api/v1/storefront/invoices/{invoice_id}",
        "/api/v1/storefront/balance",
    ]


def test_an_endpoint_fastapi_would_give_more_than_the_buyer_is_left_to_the_whole_stack() -> None:
    router = APIRouter(prefix="/api/v1/storefront")

    async def other_dependency(request: Request) -> Buyer:
        raise NotImplementedError

    @router.get("/declares-a-query")
    async def declares_a_query(request: Request, buyer: ApiBuyer, q: str) -> None: ...

    @router.get("/another-buyer")
    async def another_buyer(request: Request, buyer: Buyer = Depends(other_dependency)) -> None: ...

    @router.get("/typed/{number}")
    async def typed(request: Request, buyer: ApiBuyer, number: int) -> None: ...

    @router.get("/path/{rest:path}")
    async def whole_path(request: Request, buyer: ApiBuyer, rest: str) -> None: ...

    @router.post("/posted")
    async def posted(request: Request, buyer: ApiBuyer) -> None: ...

    @router.get("/plain/{item_id}")
    async def plain(request: Request, buyer: ApiBuyer, item_id: str) -> None: ...

    assert [route.path for route in servable_routes(router.routes)] == [
        "/api/v1/storefront/plain/{item_id}"
    ]
    assert api_buyer  # the dependency the servable routes name


PATHS = [
    "/api/v1/storefront/orders?page=2&page_size=5",
    "/api/v1/storefront/orders?status=shipped&page_size=3",
    "/api/v1/storefront/orders?page=abc",
    "/api/v1/storefront/orders?date_from=2026-02-01&date_to=2026-01-01",
    "/api/v1/storefront/orders/{order_id}",
    "/api/v1/storefront/orders/no-such-order",
    "/api/v1/storefront/invoices?status=open&page_size=4",
    "/api/v1/storefront/invoices/{invoice_id}",
    "/api/v1/storefront/invoices/no-such-invoice",
    "/api/v1/storefront/balance",
]


async def test_each_read_answers_through_the_lane_as_through_the_whole_stack(
    client: httpx.AsyncClient,
    shop: Shop,
    db: AsyncSession,
    mock_erp: MockErpHandle,
    lane_calls: list[str],
) -> None:
    orders = mock_erp.state.data.orders["C0004935"]
    invoices = mock_erp.state.data.invoices["C0004935"]
    ids = {"order_id": orders[0].row["order_id"], "invoice_id": invoices[0].row["invoice_id"]}
    api_key = await _api_key_headers(db, shop, BUYER[0])
    await login(client, BUYER)
    await client.get("/api/v1/storefront/me")  # the session's buyer is now in the cache

    for template in PATHS:
        path = template.format(**ids)
        lane_calls.clear()
        by_cookie = await client.get(path)
        assert lane_calls == [path.split("?")[0]], path
        lane_calls.clear()
        by_key = await client.get(path, headers=api_key)
        assert lane_calls == [], path
        assert by_cookie.status_code == by_key.status_code, path
        assert by_cookie.json() == by_key.json(), path
        assert by_cookie.headers["content-type"] == by_key.headers["content-type"]
        assert by_cookie.headers["content-security-policy"], path
    statuses = {}
    for template in PATHS:
        statuses[template] = (await client.get(template.format(**ids))).status_code
    # The list covers answers, refusals of bad filters and the not-found convention.
    assert set(statuses.values()) == {200, 404, 422}


async def test_refusals_and_erp_failures_answer_through_the_lane_as_through_the_whole_stack(
    client: httpx.AsyncClient,
    shop: Shop,
    db: AsyncSession,
    mock_erp: MockErpHandle,
    lane_calls: list[str],
) -> None:
    api_key = await _api_key_headers(db, shop, VIEWER[0])
    await login(client, VIEWER)
    await client.get("/api/v1/storefront/me")

    lane_calls.clear()
    refused = await client.get("/api/v1/storefront/invoices")
    by_key = await client.get("/api/v1/storefront/invoices", headers=api_key)
    assert lane_calls == ["/api/v1/storefront/invoices"]
    assert refused.status_code == by_key.status_code == 403
    assert refused.json() == by_key.json()

    mock_erp.set_fault("orders", "status", status=500)
    lane_calls.clear()
    failed = await client.get("/api/v1/storefront/orders")
    failed_by_key = await client.get("/api/v1/storefront/orders", headers=api_key)
    assert lane_calls == ["/api/v1/storefront/orders"]
    assert failed.status_code == failed_by_key.status_code == 503
    # Each failure has its own reference: the rest of the answer is the same.
    lane_body, stack_body = failed.json(), failed_by_key.json()
    assert lane_body.pop("reference") and stack_body.pop("reference")
    assert lane_body == stack_body == {"error": "erp_unavailable"}


async def test_what_the_lane_does_not_serve_goes_down_the_whole_stack(
    client: httpx.AsyncClient, shop: Shop, lane_calls: list[str]
) -> None:
    # Not signed in: the whole stack refuses.
    assert (await client.get("/api/v1/storefront/orders")).status_code == 401
    await login(client, BUYER)
    await client.get("/api/v1/storefront/me")
    # Another method, a path no read has, HEAD: the router answers as always.
    assert (await client.post("/api/v1/storefront/orders")).status_code == 405
    assert (await client.get("/api/v1/storefront/orders/a/b")).status_code == 404
    assert (await client.get("/api/v1/storefront/me")).status_code == 200
    assert lane_calls == []
    # A cached buyer's read is the lane's, and counted under its route template.
    assert (await client.get("/api/v1/storefront/balance")).status_code == 200
    assert lane_calls == ["/api/v1/storefront/balance"]
    metrics = (await client.get("/metrics")).text
    assert 'route="/api/v1/storefront/balance"' in metrics
