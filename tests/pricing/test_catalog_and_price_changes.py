"""The catalog in pages, the product page, the catalog API's new fields and bounds, and an order
never placed at a price the buyer was not shown — with the catalog's own prices (no Prices URL)."""

from __future__ import annotations

import re

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import catalog
from erpgate.models.local_order import LocalOrder
from erpgate.models.local_order_line import LocalOrderLine
from tests.checkout.test_checkout_pages import ADDRESS
from tests.storefront.conftest import BUYER, Shop, login


async def _ready_to_place(client: httpx.AsyncClient) -> tuple[str, str, str]:
    """A cart of 3 × 5620 with an address: (csrf, shipping code, the page's shown prices)."""
    csrf = await login(client, BUYER)
    await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": "3", "csrf_token": csrf}
    )
    await client.post("/store/demo/checkout/address", data={**ADDRESS, "csrf_token": csrf})
    page = await client.get("/store/demo/checkout")
    code = re.search(r'name="shipping_code" value="([^"]+)"', page.text)
    shown = re.search(r'name="shown_prices" value="([^"]*)"', page.text)
    assert code is not None and shown is not None
    return csrf, code.group(1), shown.group(1).replace("&#34;", '"')


async def test_the_checkout_page_carries_the_prices_it_shows_and_placing_with_them_works(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    csrf, code, shown = await _ready_to_place(client)
    assert orjson.loads(shown) == {"5620": "16.80"}

    placed = await client.post(
        "/store/demo/checkout/place",
        data={"shipping_code": code, "shown_prices": shown, "csrf_token": csrf},
    )

    assert placed.status_code == 303
    [line] = (await db.execute(select(LocalOrderLine))).scalars().all()
    assert line.price_source == "catalog" and str(line.unit_price) == "16.8000"


async def test_a_price_that_moved_since_the_page_is_shown_again_and_nothing_is_placed(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    csrf, code, _shown = await _ready_to_place(client)

    refused = await client.post(
        "/store/demo/checkout/place",
        data={
            "shipping_code": code,
            "po_number": "PO-77",
            "shown_prices": orjson.dumps({"5620": "15.10"}).decode(),
            "csrf_token": csrf,
        },
    )

    assert refused.status_code == 409
    assert "Prices changed since you looked: 5620 15.10 → 16.80." in refused.text
    assert "Check the new totals and place the order again." in refused.text
    assert 'value="PO-77"' in refused.text  # what the buyer typed is kept
    assert "50.40" in refused.text  # the order summary at today's price
    assert (await db.execute(select(LocalOrder))).scalars().all() == []


async def test_unreadable_shown_prices_place_nothing(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    csrf, code, _shown = await _ready_to_place(client)

    for garbage in ("not json", "[1, 2]", '{"5620": "abc"}'):
        refused = await client.post(
            "/store/demo/checkout/place",
            data={"shipping_code": code, "shown_prices": garbage, "csrf_token": csrf},
        )
        assert refused.status_code == 409, garbage
        assert "check the prices and totals, then place it again" in refused.text
    assert (await db.execute(select(LocalOrder))).scalars().all() == []


async def test_the_api_refuses_an_order_whose_prices_moved_with_the_changes(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    body = {
        "lines": [{"sku": "5620", "quantity": 2}, {"sku": "WR-13", "quantity": 1}],
        "ship_to": {**ADDRESS, "country": "US"},
    }
    csrf = {"X-CSRF-Token": (await buyer_client.get("/api/v1/storefront/me")).json()["csrf_token"]}
    quote = (await buyer_client.post("/api/v1/storefront/checkout/quote", json=body)).json()
    assert [line["price_source"] for line in quote["lines"]] == ["catalog", "catalog"]
    order = {**body, "shipping_code": quote["shipping_code"]}

    moved = await buyer_client.post(
        "/api/v1/storefront/checkout/orders",
        json={**order, "expected_prices": {"5620": "16.80", "WR-13": "20.00"}},
        headers=csrf,
    )

    assert moved.status_code == 409
    error = moved.json()
    assert error["error"] == "prices_changed"
    assert error["changes"] == [{"sku": "WR-13", "was": "20.00", "now": "24.95"}]
    assert (await db.execute(select(LocalOrder))).scalars().all() == []

    shown = {line["sku"]: line["unit_price"] for line in quote["lines"]}
    placed = await buyer_client.post(
        "/api/v1/storefront/checkout/orders",
        json={**order, "expected_prices": shown},
        headers=csrf,
    )
    assert placed.status_code == 201, placed.text
    assert [line["price_source"] for line in placed.json()["lines"]] == ["catalog", "catalog"]

    garbage = await buyer_client.post(
        "/api/v1/storefront/checkout/orders",
        json={**order, "expected_prices": {"5620": "x"}},
        headers=csrf,
    )
    assert garbage.status_code == 422


async def test_the_catalog_api_pages_by_sku_and_marks_catalog_prices(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    first = await buyer_client.get("/api/v1/storefront/catalog", params={"page_size": 4})
    second = await buyer_client.get(
        "/api/v1/storefront/catalog", params={"page": 2, "page_size": 4}
    )

    assert first.status_code == 200 and second.status_code == 200
    total = int(first.headers["X-Total-Count"])
    assert total >= 8
    rows = first.json() + second.json()
    assert [row["sku"] for row in rows] == sorted(row["sku"] for row in rows)
    assert len({row["sku"] for row in rows}) == 8
    bolt = next(
        row
        for row in (await buyer_client.get("/api/v1/storefront/catalog")).json()
        if row["sku"] == "5620"
    )
    assert bolt["unit_price"] == "16.80" and bolt["price"] == "16.80"
    assert bolt["price_source"] == "catalog"
    assert bolt["available"] is None and bolt["warehouses"] == []  # stock unknown, not invented
    assert bolt["price_breaks"] == [] and bolt["list_price"] is None


async def test_the_catalog_api_refuses_bad_paging_with_a_clear_error(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    for params in ({"page": 0}, {"page": "abc"}, {"page_size": 0}, {"page_size": 201}):
        answer = await buyer_client.get("/api/v1/storefront/catalog", params=params)
        assert answer.status_code == 422, params
        assert answer.json()["error"] == "validation_failed"


async def test_the_catalog_pages_and_a_product_page(client: httpx.AsyncClient, shop: Shop) -> None:
    await login(client, BUYER)
    page = await client.get("/store/demo/catalog")
    assert page.status_code == 200
    assert 'href="/store/demo/catalog/5620"' in page.text
    assert "Catalog price" not in page.text  # no Prices URL: nothing to tell apart
    assert "Availability" not in page.text and "Stock unknown" not in page.text

    product = await client.get("/store/demo/catalog/5620")
    assert product.status_code == 200
    assert "Hex bolt M8 x 40, zinc plated" in product.text and "16.80" in product.text

    missing = await client.get("/store/demo/catalog/NO-SUCH-SKU")
    assert missing.status_code == 404
    assert "We could not find that product in the catalog." in missing.text

    for number in ("0", "-1", "abc", "99999999"):
        odd = await client.get("/store/demo/catalog", params={"page": number})
        assert odd.status_code == 200, number
    beyond = await client.get("/store/demo/catalog", params={"page": "50"})
    assert "There is no such page of the catalog." in beyond.text
    assert catalog.PAGE_SIZE == 50
