"""Live prices and stock through the app and the mock ERP: each customer's own prices on the
catalog, product page, cart, checkout and the placed order (and the order sent to the ERP), stock
per warehouse, the ERP down, bad rows, and one ERP call per page."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import orjson
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.mock_erp import catalog_prices as rules
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from erpgate.models.local_order_line import LocalOrderLine
from erpgate.models.order_delivery import OrderDelivery
from tests.checkout.test_checkout_pages import ADDRESS
from tests.storefront.conftest import BUYER, OTHER, Shop, erp_bodies, login

ACME, GIBSON = "C0004935", "C010268"
CATALOG = "/api/v1/storefront/catalog"


def money(value: Decimal | None) -> str:
    assert value is not None
    return f"{value:.2f}"


def by_sku(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["sku"]: row for row in rows}


async def test_a_contract_customer_sees_own_prices_breaks_and_stock_in_the_catalog_api(
    client: httpx.AsyncClient, live_shop: Shop, mock_erp: MockErpHandle
) -> None:
    await login(client, BUYER)
    answer = await client.get(CATALOG)

    assert answer.status_code == 200
    rows = by_sku(answer.json())
    bolt = rows["5620"]
    assert bolt["price"] == money(rules.expected_unit_price(ACME, "5620"))
    assert bolt["price_source"] == "erp" and bolt["unit_price"] == "16.80"
    assert bolt["list_price"] == "16.80"
    assert [(b["min_quantity"], b["unit_price"]) for b in bolt["price_breaks"]] == [
        (str(minimum), money(price)) for minimum, price in rules.price_breaks(ACME, "5620")
    ]
    assert Decimal(bolt["available"]) == rules.expected_available("5620")
    assert {w["code"] for w in bolt["warehouses"]} == {"MAIN", "EAST"}

    unpriced = rows[rules.UNPRICED_SKU]  # the ERP leaves it out: the catalog price, marked
    assert unpriced["price_source"] == "catalog" and unpriced["price"] == unpriced["unit_price"]
    assert rows[rules.UNSTOCKED_SKU]["available"] is None  # unknown, never invented
    out = rows[rules.OUT_OF_STOCK_SKU]
    assert out["available"] == "0" and out["backorderable"] is True
    assert out["next_available_date"] is not None

    # One call per endpoint for the page, with the buyer's own codes, SKUs in order.
    [prices] = erp_bodies(mock_erp, "prices")
    [inventory] = erp_bodies(mock_erp, "inventory")
    assert prices["customer_code"] == ACME and prices["currency"] == "USD"
    asked = [line["sku"] for line in prices["lines"]]
    assert asked == sorted(rows) and inventory["skus"] == sorted(rows)


async def test_another_customer_sees_list_prices_and_answers_are_kept_per_customer(
    client: httpx.AsyncClient, live_shop: Shop, mock_erp: MockErpHandle
) -> None:
    await login(client, OTHER)
    first = by_sku((await client.get(CATALOG)).json())
    again = by_sku((await client.get(CATALOG)).json())

    assert first["5620"]["price"] == "16.80" and first["5620"]["price_source"] == "erp"
    assert first["5620"]["list_price"] is None and first["5620"]["price_breaks"] == []
    assert again == first
    assert mock_erp.calls("prices") == 1 and mock_erp.calls("inventory") == 1  # kept

    await login(client, BUYER)
    acme = by_sku((await client.get(CATALOG)).json())
    assert acme["5620"]["price"] == money(rules.expected_unit_price(ACME, "5620"))
    assert mock_erp.calls("prices") == 2  # another customer: asked for its own


async def _checkout_page(client: httpx.AsyncClient, csrf: str, quantity: str) -> str:
    await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": quantity, "csrf_token": csrf}
    )
    await client.post("/store/demo/checkout/address", data={**ADDRESS, "csrf_token": csrf})
    return (await client.get("/store/demo/checkout")).text


async def test_cart_checkout_and_the_placed_order_use_the_break_price_and_send_it_to_the_erp(
    client: httpx.AsyncClient, live_shop: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(submit_order_url=mock_erp.urls["submit_order"]))
    await db.commit()
    csrf = await login(client, BUYER)
    unit = rules.expected_unit_price(ACME, "5620", Decimal(12))
    assert unit is not None and unit < rules.ITEM_MASTER["5620"]

    cart = (await client.get("/store/demo/cart")).text
    assert "empty" in cart
    page = await _checkout_page(client, csrf, "12")
    cart = (await client.get("/store/demo/cart")).text
    assert money(unit) in cart and money(unit * 12) in cart
    assert money(unit) in page and "Catalog price" not in page
    shown = re.search(r'name="shown_prices" value="([^"]*)"', page)
    code = re.search(r'name="shipping_code" value="([^"]+)"', page)
    assert shown is not None and code is not None
    shown_prices = shown.group(1).replace("&#34;", '"')  # as the browser sends it
    assert orjson.loads(shown_prices) == {"5620": money(unit)}
    # The tax call is asked with the live line total.
    taxes = erp_bodies(mock_erp, "taxes")[-1]
    assert taxes["request"]["lines"][0]["line_amount"] == money(unit * 12)

    placed = await client.post(
        "/store/demo/checkout/place",
        data={"shipping_code": code.group(1), "shown_prices": shown_prices, "csrf_token": csrf},
    )
    assert placed.status_code == 303
    [line] = (await db.execute(select(LocalOrderLine))).scalars().all()
    assert line.price_source == "erp" and line.unit_price == unit
    done = await client.get(placed.headers["location"])
    assert money(unit) in done.text

    delivery = (await db.execute(select(OrderDelivery))).scalar_one()
    sent = orjson.loads(delivery.request_body)
    assert sent["lines"][0]["price_source"] == "erp"
    assert sent["lines"][0]["unit_price"] == money(unit)


async def test_with_the_erp_down_catalog_prices_are_marked_and_checkout_still_works(
    client: httpx.AsyncClient, live_shop: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    mock_erp.set_fault("prices", "status", status=500)
    mock_erp.set_fault("inventory", "malformed_json")
    csrf = await login(client, OTHER)

    catalog = await client.get("/store/demo/catalog")
    assert catalog.status_code == 200
    assert "Your own prices are not available right now: these are our catalog prices." in (
        catalog.text
    )
    assert "Catalog price" in catalog.text and "16.80" in catalog.text
    assert "Stock is not available right now." in catalog.text
    assert "Injected" not in catalog.text  # never the ERP's words
    reference = re.search(r'<code class="reference">([^<]+)</code>', catalog.text)
    assert reference is not None
    seen = {call.reference for call in live_shop.recorder.calls if call.endpoint == "prices"}
    assert reference.group(1) in seen

    api = await client.get(CATALOG)
    assert api.headers["X-Erp-Reference-Prices"] in {
        call.reference for call in live_shop.recorder.calls
    }
    assert all(row["price_source"] == "catalog" for row in api.json())

    page = await _checkout_page(client, csrf, "2")
    code = re.search(r'name="shipping_code" value="([^"]+)"', page)
    assert code is not None and "33.60" in page  # 2 × the catalog's 16.80
    placed = await client.post(
        "/store/demo/checkout/place", data={"shipping_code": code.group(1), "csrf_token": csrf}
    )
    assert placed.status_code == 303
    [line] = (await db.execute(select(LocalOrderLine))).scalars().all()
    assert line.price_source == "catalog"


async def test_kept_prices_serve_as_of_their_time_while_the_erp_fails(
    client: httpx.AsyncClient, live_shop: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(price_cache_seconds=0))
    await db.commit()
    await login(client, BUYER)
    await client.get(CATALOG)  # kept, though asked again on every page (age 0)
    mock_erp.set_fault("prices", "status", status=503)

    page = await client.get("/store/demo/catalog")

    assert "Your prices could not be checked just now: some are your prices as of" in page.text
    assert money(rules.expected_unit_price(ACME, "5620")) in page.text


async def test_rows_the_erp_should_not_send_fall_back_to_the_catalog_one_by_one(
    client: httpx.AsyncClient, live_shop: Shop, mock_erp: MockErpHandle
) -> None:
    await login(client, BUYER)
    mock_erp.set_fault("prices", "other_currency")
    rows = by_sku((await client.get(CATALOG)).json())
    assert {row["price_source"] for row in rows.values()} == {"catalog"}

    mock_erp.clear_faults()
    await login(client, OTHER)
    mock_erp.set_fault("prices", "nonpositive_price")
    other = by_sku((await client.get(CATALOG)).json())
    sources = [other[sku]["price_source"] for sku in sorted(other)]
    assert sources.count("catalog") >= 3  # the two refused rows and the unpriced SKU
    assert sources.count("erp") >= 10  # the others are still the ERP's


async def test_a_product_page_shows_quantity_prices_and_stock_per_warehouse(
    client: httpx.AsyncClient, live_shop: Shop
) -> None:
    await login(client, BUYER)
    page = await client.get("/store/demo/catalog/5620")

    assert page.status_code == 200
    assert "Quantity prices" in page.text
    for minimum, price in rules.price_breaks(ACME, "5620"):
        assert money(price) in page.text and f">{minimum}<" in page.text
    stock = rules.warehouse_stock("5620")
    assert stock is not None
    assert f"Main warehouse: {stock['MAIN']}" in page.text
    assert f"East depot: {stock['EAST']}" in page.text
    out = await client.get(f"/store/demo/catalog/{rules.OUT_OF_STOCK_SKU}")
    assert "Out of stock" in out.text and "can be backordered" in out.text
