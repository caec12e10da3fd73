"""Orders through the JSON API against the mock ERP: filters, paging, detail, bad input, scoping."""

from __future__ import annotations

import httpx
import pytest

from erpgate.mock_erp.data import ORDER_STATUSES
from erpgate.mock_erp.server import MockErpHandle
from tests.storefront.conftest import Shop, erp_bodies


async def test_orders_list_asks_with_the_buyers_own_codes_and_pages_by_total(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    response = await buyer_client.get("/api/v1/storefront/orders?page=2&page_size=5")
    assert response.status_code == 200
    body = response.json()
    expected = [r.row["order_id"] for r in mock_erp.state.data.orders["C0004935"][5:10]]
    assert [row["order_id"] for row in body["data"]] == expected
    assert body["page"] == {"page": 2, "page_size": 5, "total": 160, "has_next": True}
    assert body["source"] == "erp"
    # The ERP publishes its statuses: a headless storefront can offer them as a select.
    assert body["statuses"] == ORDER_STATUSES
    assert erp_bodies(mock_erp, "orders") == [
        {
            "customer_code": "C0004935",
            "seller_reference": None,
            "page": 2,
            "page_size": 5,
            "search": None,
            "status": None,
            "date_from": None,
            "date_to": None,
        }
    ]


@pytest.mark.parametrize("style", ["has_more", "none"])
async def test_paging_works_without_total(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, style: str
) -> None:
    mock_erp.set_paging_style(style)
    page = (await buyer_client.get("/api/v1/storefront/orders?page=1&page_size=20")).json()
    assert page["page"] == {"page": 1, "page_size": 20, "total": None, "has_next": True}
    # 160 orders: page 8 is the last full one; has_more knows, "none" must guess from fullness.
    last = (await buyer_client.get("/api/v1/storefront/orders?page=8&page_size=20")).json()
    assert last["page"]["has_next"] is (style == "none")
    beyond = (await buyer_client.get("/api/v1/storefront/orders?page=9&page_size=20")).json()
    assert beyond["data"] == []
    assert beyond["page"]["has_next"] is False


async def test_filters_travel_to_the_erp(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    first = mock_erp.state.data.orders["C0004935"][0].row
    response = await buyer_client.get(
        "/api/v1/storefront/orders",
        params={
            "search": first["order_id"],
            "status": first["status"],
            "date_from": first["date"],
            "date_to": first["date"],
        },
    )
    assert [row["order_id"] for row in response.json()["data"]] == [first["order_id"]]
    sent = erp_bodies(mock_erp, "orders")[0]
    assert (sent["search"], sent["date_from"], sent["date_to"]) == (
        first["order_id"],
        first["date"],
        first["date"],
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page_size=100000", "page_size"),
        ("date_from=2026-05-01&date_to=2026-04-01", "date_to"),
        ("date_from=yesterday", "date_from"),
        ("date_to=2026-13-45", "date_to"),
        ("page=4611686018427387904", "page"),
        ("date_from=0001-01-01", "date_from"),
        ("date_to=9999-12-31", "date_to"),
        (f"search={'x' * 101}", "search"),
    ],
)
async def test_bad_filters_are_422_and_never_reach_the_erp(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, query: str, field: str
) -> None:
    response = await buyer_client.get(f"/api/v1/storefront/orders?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert list(body["fields"]) == [field]
    assert mock_erp.calls("orders") == 0


async def test_order_detail_has_lines_addresses_and_shipments(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    order_id = next(
        r.row["order_id"]
        for r in mock_erp.state.data.orders["C0004935"]
        if mock_erp.state.data.order_details[r.row["order_id"]]["shipments"]
    )
    response = await buyer_client.get(f"/api/v1/storefront/orders/{order_id}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["order_id"] == order_id
    assert data["lines"] and data["shipments"]
    assert data["shipments"][0]["tracking_url"].startswith("https://")
    assert data["ship_to"]["zip"]


async def test_another_customers_order_is_404_and_the_erp_was_asked_with_our_code(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    theirs = mock_erp.state.data.orders["C010268"][0].row["order_id"]
    response = await buyer_client.get(f"/api/v1/storefront/orders/{theirs}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert erp_bodies(mock_erp, "order") == [
        {"customer_code": "C0004935", "seller_reference": None, "order_id": theirs}
    ]


async def test_empty_list_is_an_empty_page(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    response = await buyer_client.get("/api/v1/storefront/orders?search=no-such-order")
    assert response.json()["data"] == []
    assert response.json()["page"] == {"page": 1, "page_size": 20, "total": 0, "has_next": False}


async def test_every_call_is_recorded_with_the_buyer_as_actor(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    await buyer_client.get("/api/v1/storefront/orders")
    [call] = shop.recorder.calls
    assert call.outcome == "success"
    assert call.event_type == "erp.orders.list"
    data = call.event_data()
    assert data["external_customer_id"] == "C0004935"
    assert data["related_to"] == {
        "customer": str(shop.accounts["C0004935"].id),
        "user": str(shop.users["buyer@example.com"].id),
    }
    assert call.actor.source == "storefront"
