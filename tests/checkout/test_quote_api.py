"""Checkout quote and place-order API against the mock ERP, including its fallbacks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from erpgate.models.local_order import LocalOrder
from erpgate.storefront import api_keys
from tests.storefront.conftest import OTHER, VIEWER, Shop, erp_bodies, login

SHIP_TO = {
    "name": "ACME Warehouse 3",
    "address1": "1200 Front St",
    "city": "Toledo",
    "state": "OH",
    "zip": "43605",
    "country": "US",
}
LINES = [{"sku": "5620", "quantity": 2}, {"sku": "TST03", "quantity": "1"}]


def quote_body(**changes: Any) -> dict[str, Any]:
    return {"lines": LINES, "ship_to": SHIP_TO, **changes}


async def test_quote_uses_live_shipping_and_tax(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    response = await buyer_client.post("/api/v1/storefront/checkout/quote", json=quote_body())
    assert response.status_code == 200
    quote = response.json()
    assert quote["subtotal"] == "34.20"
    assert [line["line_total"] for line in quote["lines"]] == ["33.60", "0.60"]
    assert quote["shipping_source"] == "erp" and quote["tax_source"] == "erp"
    assert quote["tax_estimated"] is False and quote["tax_blocked"] is False
    assert (
        quote["shipping_methods"] and quote["shipping_code"] == quote["shipping_methods"][0]["code"]
    )
    expected_total = (
        Decimal(quote["subtotal"]) + Decimal(quote["shipping_total"]) + Decimal(quote["tax_total"])
    )
    assert Decimal(quote["total"]) == expected_total
    [taxes] = erp_bodies(mock_erp, "taxes")
    assert taxes["request"]["header"]["customer_code"] == "C0004935"
    assert taxes["request"]["header"]["shiptopostcode"] == "43605"
    # Shipping is asked first: the tax request carries the chosen method's freight.
    assert taxes["request"]["header"]["shipping_amount"] == quote["shipping_total"]
    assert [(t["item_sku"], t["line_amount"]) for t in taxes["request"]["lines"]] == [
        ("5620", "33.60"),
        ("TST03", "0.60"),
    ]
    [shipping] = erp_bodies(mock_erp, "shipping")
    assert shipping["customer_code"] == "C0004935"
    assert shipping["items"][0] == {
        "sku": "5620",
        "quantity": "2",
        "uom": "EA",
        "unit_price": "16.80",
        "total_price": "33.60",
    }


async def test_tax_failure_under_estimate_uses_the_fallback_rate_and_flags_it(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, shop: Shop
) -> None:
    mock_erp.set_fault("taxes", "status", status=500)
    quote = (await buyer_client.post("/api/v1/storefront/checkout/quote", json=quote_body())).json()
    assert quote["tax_total"] == "2.48"  # 34.20 x 0.0725 = 2.4795
    assert (quote["tax_source"], quote["tax_estimated"], quote["tax_blocked"]) == (
        "fallback",
        True,
        False,
    )
    taxes_call = next(c for c in shop.recorder.calls if c.endpoint.value == "taxes")
    assert quote["references"] == {"taxes": taxes_call.reference}


async def test_tax_failure_under_block_refuses_to_place_and_keeps_nothing(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(tax_failure_policy="block"))
    await db.commit()
    mock_erp.set_fault("taxes", "reset")
    quote = (await buyer_client.post("/api/v1/storefront/checkout/quote", json=quote_body())).json()
    assert quote["tax_blocked"] is True
    assert quote["tax_total"] is None and quote["total"] is None
    placed = await buyer_client.post(
        "/api/v1/storefront/checkout/orders",
        json=quote_body(shipping_code=quote["shipping_code"]),
        headers={
            "X-CSRF-Token": (await buyer_client.get("/api/v1/storefront/me")).json()["csrf_token"]
        },
    )
    assert placed.status_code == 503
    assert set(placed.json()) == {"error", "reference"}
    assert (await db.execute(select(LocalOrder))).first() is None


async def test_shipping_failure_offers_the_builtin_methods(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    mock_erp.set_fault("shipping", "malformed_json")
    quote = (await buyer_client.post("/api/v1/storefront/checkout/quote", json=quote_body())).json()
    assert quote["shipping_source"] == "fallback"
    assert [m["code"] for m in quote["shipping_methods"]] == ["standard", "pickup"]
    assert quote["shipping_total"] == "15.00"
    assert "shipping" in quote["references"]


async def test_without_tax_and_shipping_urls_the_store_settings_apply(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(taxes_url=None, shipping_url=None))
    await db.commit()
    quote = (
        await buyer_client.post(
            "/api/v1/storefront/checkout/quote", json=quote_body(shipping_code="pickup")
        )
    ).json()
    assert (quote["tax_total"], quote["tax_source"], quote["tax_estimated"]) == (
        "2.48",
        "fallback",
        False,
    )
    assert (quote["shipping_code"], quote["shipping_total"]) == ("pickup", "0.00")
    assert quote["total"] == "36.68"
    assert quote["references"] == {}
    assert mock_erp.calls("taxes") == 0 and mock_erp.calls("shipping") == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "5620", "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "5620", "quantity": -3}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "5620", "quantity": 10**9}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "5620", "quantity": "1.5"}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines.0.sku"),
        ({"ship_to": {**SHIP_TO, "zip": ""}}, "ship_to.zip"),
        ({"ship_to": {k: v for k, v in SHIP_TO.items() if k != "zip"}}, "ship_to.zip"),
    ],
)
async def test_bad_carts_are_422_and_never_reach_the_erp(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, changes: dict[str, Any], field: str
) -> None:
    response = await buyer_client.post(
        "/api/v1/storefront/checkout/quote", json=quote_body(**changes)
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]
    assert mock_erp.calls("taxes") == 0 and mock_erp.calls("shipping") == 0


async def test_place_order_stores_lines_shipping_tax_and_their_sources(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    csrf = (await buyer_client.get("/api/v1/storefront/me")).json()["csrf_token"]
    quote = (await buyer_client.post("/api/v1/storefront/checkout/quote", json=quote_body())).json()
    body = quote_body(shipping_code=quote["shipping_code"], po_number="PO-42")
    refused = await buyer_client.post("/api/v1/storefront/checkout/orders", json=body)
    assert refused.status_code == 403  # no CSRF header on a cookie session
    placed = await buyer_client.post(
        "/api/v1/storefront/checkout/orders", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert placed.status_code == 201
    order = placed.json()
    assert order["total"] == quote["total"]
    assert (order["tax_source"], order["shipping_source"], order["tax_estimated"]) == (
        "erp",
        "erp",
        False,
    )
    stored = (await db.execute(select(LocalOrder))).scalar_one()
    assert stored.po_number == "PO-42"
    assert stored.total == Decimal(quote["total"])
    assert [line["sku"] for line in order["lines"]] == ["5620", "TST03"]


async def test_unknown_shipping_code_is_refused(buyer_client: httpx.AsyncClient) -> None:
    csrf = (await buyer_client.get("/api/v1/storefront/me")).json()["csrf_token"]
    response = await buyer_client.post(
        "/api/v1/storefront/checkout/orders",
        json=quote_body(shipping_code="teleport"),
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["shipping_code"]


async def test_viewer_cannot_quote(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle
) -> None:
    await login(client, VIEWER)
    response = await client.post("/api/v1/storefront/checkout/quote", json=quote_body())
    assert response.status_code == 403
    assert mock_erp.calls("taxes") == 0


async def test_api_key_checkout_acts_for_the_named_buyer_with_source_api(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    _record, key = await api_keys.create_api_key(db, shop.store.id, "headless")
    await db.commit()
    headers = {"Authorization": f"Bearer {key}", "X-On-Behalf-Of": OTHER[0]}
    quote = (
        await client.post("/api/v1/storefront/checkout/quote", json=quote_body(), headers=headers)
    ).json()
    placed = await client.post(
        "/api/v1/storefront/checkout/orders",
        json=quote_body(shipping_code=quote["shipping_code"]),
        headers=headers,
    )
    assert placed.status_code == 201
    assert {c.actor.source for c in shop.recorder.calls} == {"api"}
    assert {c.actor.customer_code for c in shop.recorder.calls} == {"C010268"}
    assert erp_bodies(mock_erp, "shipping")[0]["customer_code"] == "C010268"
    listed = await client.get("/api/v1/storefront/orders", headers=headers)
    assert listed.status_code == 200
