"""The checkout pages without JavaScript: catalog, cart, address, quote, place, placed order."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from erpgate.models.local_order import LocalOrder
from tests.storefront.conftest import BUYER, Shop, login

ADDRESS = {
    "name": "ACME Warehouse 3",
    "address1": "1200 Front St",
    "city": "Toledo",
    "state": "OH",
    "zip": "43605",
    "country": "us",
}


async def test_checkout_from_catalog_to_placed_order(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    csrf = await login(client, BUYER)
    catalog = await client.get("/store/demo/catalog")
    assert "Schraubenschlüssel 13 mm" in catalog.text
    added = await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": "3", "csrf_token": csrf}
    )
    assert added.status_code == 303
    cart = await client.get("/store/demo/cart")
    assert "50.40" in cart.text  # 3 x 16.80

    empty_address = await client.get("/store/demo/checkout")
    assert "Save address" in empty_address.text and "Place order" not in empty_address.text
    saved = await client.post("/store/demo/checkout/address", data={**ADDRESS, "csrf_token": csrf})
    assert saved.status_code == 303
    page = await client.get("/store/demo/checkout")
    assert page.status_code == 200
    assert "Place order" in page.text
    code = re.search(r'name="shipping_code" value="([^"]+)"', page.text)
    assert code is not None
    assert 'name="notes"' in page.text
    placed = await client.post(
        "/store/demo/checkout/place",
        data={
            "shipping_code": code.group(1),
            "po_number": "PO-1",
            "notes": "Ring the bell\r\nDock 3 <after 2pm>",
            "csrf_token": csrf,
        },
    )
    assert placed.status_code == 303
    order = (await db.execute(select(LocalOrder))).scalar_one()
    assert placed.headers["location"] == f"/store/demo/orders/placed/{order.id}?placed=1"
    assert order.ship_to["country"] == "US"
    assert order.notes == "Ring the bell\nDock 3 <after 2pm>"
    done = await client.get(placed.headers["location"])
    assert f"Order {order.number}" in done.text
    assert "Thank you — your order was placed on" in done.text
    assert '<p id="order-notes" class="notes">Ring the bell\nDock 3 &lt;after 2pm&gt;</p>' in (
        done.text
    )
    again = await client.get(f"/store/demo/orders/placed/{order.id}")
    assert "Thank you" not in again.text and "Placed on " in again.text
    assert "Your cart is empty" in (await client.get("/store/demo/cart")).text


async def test_notes_too_long_are_a_field_error_and_the_cart_is_kept(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    csrf = await login(client, BUYER)
    await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": "2", "csrf_token": csrf}
    )
    await client.post("/store/demo/checkout/address", data={**ADDRESS, "csrf_token": csrf})
    page = await client.get("/store/demo/checkout")
    code = re.search(r'name="shipping_code" value="([^"]+)"', page.text)
    assert code is not None
    too_long = "x" * 1001
    refused = await client.post(
        "/store/demo/checkout/place",
        data={
            "shipping_code": code.group(1),
            "po_number": "PO-KEEP",
            "notes": too_long,
            "csrf_token": csrf,
        },
    )
    assert refused.status_code == 422
    html = refused.text
    assert "The order was not placed: please shorten your notes." in html
    assert (
        '<span class="field-error" id="notes-error" role="alert">'
        "Notes can be at most 1,000 characters.</span>"
    ) in html
    assert f">{too_long}</textarea>" in html  # what was typed is kept to be shortened
    assert 'value="PO-KEEP"' in html
    assert (await db.execute(select(LocalOrder))).scalars().all() == []
    assert "33.60" in (await client.get("/store/demo/cart")).text  # 2 x 16.80, still there

    # 1,000 characters, line breaks counted once as the textarea counts them, are fine.
    exactly = "y" * 998 + "\r\nz"
    placed = await client.post(
        "/store/demo/checkout/place",
        data={"shipping_code": code.group(1), "notes": exactly, "csrf_token": csrf},
    )
    assert placed.status_code == 303
    order = (await db.execute(select(LocalOrder))).scalar_one()
    assert order.notes == "y" * 998 + "\nz"


async def test_cart_refuses_bad_quantities_and_unknown_skus(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await login(client, BUYER)
    for sku, quantity, message in (
        ("5620", "0", "between 1 and 99,999"),
        ("5620", "-1", "between 1 and 99,999"),
        ("5620", "1000000000", "between 1 and 99,999"),
        ("5620", "lots", "whole number"),
        ("NOPE", "1", "not in the catalog"),
    ):
        response = await client.post(
            "/store/demo/cart/add", data={"sku": sku, "quantity": quantity, "csrf_token": csrf}
        )
        assert response.status_code == 422
        assert message in response.text
    forged = await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": "1", "csrf_token": "x"}
    )
    assert forged.status_code == 403


async def test_address_without_postcode_is_a_form_error(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle
) -> None:
    csrf = await login(client, BUYER)
    await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": "1", "csrf_token": csrf}
    )
    response = await client.post(
        "/store/demo/checkout/address", data={**ADDRESS, "zip": "", "csrf_token": csrf}
    )
    assert response.status_code == 422
    assert "Postcode is required." in response.text
    assert mock_erp.calls("taxes") == 0


async def test_empty_cart_cannot_be_placed(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await login(client, BUYER)
    page = await client.get("/store/demo/checkout")
    assert "Your cart is empty." in page.text
    placed = await client.post(
        "/store/demo/checkout/place", data={"shipping_code": "standard", "csrf_token": csrf}
    )
    assert placed.status_code == 422
    assert "The cart is empty." in placed.text


async def test_blocked_tax_keeps_the_cart(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(tax_failure_policy="block"))
    await db.commit()
    csrf = await login(client, BUYER)
    await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": "1", "csrf_token": csrf}
    )
    await client.post("/store/demo/checkout/address", data={**ADDRESS, "csrf_token": csrf})
    mock_erp.set_fault("taxes", "status", status=500)
    page = await client.get("/store/demo/checkout")
    assert "Tax cannot be calculated right now" in page.text
    assert "Place order" not in page.text
    assert "Injected" not in page.text
    placed = await client.post(
        "/store/demo/checkout/place", data={"shipping_code": "x", "csrf_token": csrf}
    )
    assert placed.status_code == 503
    assert "Your cart is kept" in placed.text
    assert "16.80" in (await client.get("/store/demo/cart")).text


async def test_without_orders_url_the_buyer_sees_orders_placed_here(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(orders_url=None))
    await db.commit()
    csrf = await login(client, BUYER)
    empty = await client.get("/store/demo/orders")
    assert "No orders match." in empty.text
    await client.post(
        "/store/demo/cart/add", data={"sku": "TST03", "quantity": "2", "csrf_token": csrf}
    )
    await client.post("/store/demo/checkout/address", data={**ADDRESS, "csrf_token": csrf})
    page = await client.get("/store/demo/checkout")
    code = re.search(r'name="shipping_code" value="([^"]+)"', page.text)
    assert code is not None
    await client.post(
        "/store/demo/checkout/place", data={"shipping_code": code.group(1), "csrf_token": csrf}
    )
    order = (await db.execute(select(LocalOrder))).scalar_one()
    listed = await client.get("/store/demo/orders")
    assert f'href="/store/demo/orders/placed/{order.id}">{order.number}</a>' in listed.text
    api = (await client.get("/api/v1/storefront/orders")).json()
    assert api["source"] == "local"
    assert [row["order_number"] for row in api["data"]] == [order.number]
    assert mock_erp.calls("orders") == 0


async def test_modules_and_detail_links_follow_the_urls(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(balance_url=None, order_url=None))
    await db.commit()
    await login(client, BUYER)
    assert (await client.get("/api/v1/storefront/me")).json()["modules"] == [
        "orders",
        "invoices",
        "catalog",
    ]
    home = await client.get("/store/demo/")
    assert "/store/demo/balance" not in home.text
    orders = await client.get("/store/demo/orders")
    assert 'href="/store/demo/orders/SO-' not in orders.text
    assert (await client.get("/store/demo/balance")).status_code == 404
