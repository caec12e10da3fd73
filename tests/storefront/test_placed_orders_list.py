"""A placed order can be found again: the orders list leads with the orders placed in this store
that the ERP does not list yet, filtered like the ERP's rows, never twice."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import placed
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from tests.checkout.deliveries import attach_delivery
from tests.checkout.test_quote_api import quote_body
from tests.storefront.conftest import BUYER, OTHER, VIEWER, Shop, login

ORDERS = "/api/v1/storefront/orders"


async def place(client: httpx.AsyncClient, po_number: str) -> dict[str, Any]:
    csrf = (await client.get("/api/v1/storefront/me")).json()["csrf_token"]
    quote = (await client.post("/api/v1/storefront/checkout/quote", json=quote_body())).json()
    response = await client.post(
        "/api/v1/storefront/checkout/orders",
        json=quote_body(shipping_code=quote["shipping_code"], po_number=po_number),
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def numbers(page: dict[str, Any]) -> list[str]:
    return [row["order_number"] for row in page.get("placed", [])]


async def test_a_placed_order_leads_the_first_page_and_is_found_by_its_po_number(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    before = (await buyer_client.get(ORDERS)).json()
    assert "placed" not in before  # nothing placed: the answer is the ERP's alone
    first = await place(buyer_client, "PO-ALPHA-1")
    second = await place(buyer_client, "PO-BETA-2")

    page = (await buyer_client.get(ORDERS)).json()
    assert numbers(page) == [second["number"], first["number"]]  # newest first
    row = page["placed"][0]
    assert row["order_id"] == second["id"] and row["po_number"] == "PO-BETA-2"
    assert row["status"] == "Placed" and row["total"] == second["total"]
    # The ERP's rows and paging are untouched.
    assert page["page"]["total"] == before["page"]["total"]
    assert [r["order_id"] for r in page["data"]] == [r["order_id"] for r in before["data"]]

    found = (await buyer_client.get(ORDERS, params={"search": "alpha"})).json()
    assert numbers(found) == [first["number"]]
    by_number = (await buyer_client.get(ORDERS, params={"search": first["number"]})).json()
    assert numbers(by_number) == [first["number"]]
    assert (await buyer_client.get(ORDERS, params={"page": 2})).json().get("placed") is None


async def test_filters_apply_to_placed_orders_as_to_the_erps_rows(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place(buyer_client, "PO-7")
    today = dt.datetime.now(dt.UTC).date()
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({"search": "nothing-like-it"}, []),
        ({"status": "Shipped"}, []),
        ({"status": "placed"}, [order["number"]]),
        ({"date_to": str(today - dt.timedelta(days=1))}, []),
        ({"date_from": str(today + dt.timedelta(days=1))}, []),
        ({"date_from": str(today), "date_to": str(today)}, [order["number"]]),
    ]
    for params, expected in cases:
        page = (await buyer_client.get(ORDERS, params=params)).json()
        assert numbers(page) == expected, params


async def test_other_accounts_never_see_them_and_the_account_s_other_buyers_do(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await login(client, BUYER)
    order = await place(client, "PO-MINE")
    await login(client, OTHER)  # another customer account
    assert numbers((await client.get(ORDERS)).json()) == []
    await login(client, VIEWER)  # the same account, orders permission only
    assert numbers((await client.get(ORDERS)).json()) == [order["number"]]


async def test_an_order_the_erp_lists_under_its_number_is_shown_once(
    buyer_client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle
) -> None:
    order = await place(buyer_client, "PO-KEYED")
    rows = mock_erp.state.data.orders["C0004935"]
    # The merchant keyed the order into the ERP under the store's number.
    rows.insert(0, replace(rows[0], row={**rows[0].row, "order_number": order["number"]}))
    page = (await buyer_client.get(ORDERS)).json()
    assert page["data"][0]["order_number"] == order["number"]
    assert "placed" not in page


async def test_a_filter_finds_placed_orders_older_than_the_kept_ones(
    buyer_client: httpx.AsyncClient, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(placed, "KEPT", 1)
    old = await place(buyer_client, "PO-OLD")
    new = await place(buyer_client, "PO-NEW")
    assert numbers((await buyer_client.get(ORDERS)).json()) == [new["number"]]
    found = (await buyer_client.get(ORDERS, params={"search": "po-old"})).json()
    assert numbers(found) == [old["number"]]
    # LIKE's wildcards in a search are plain characters.
    assert numbers((await buyer_client.get(ORDERS, params={"search": "PO-%"})).json()) == []


async def test_the_orders_page_marks_placed_orders_and_links_them(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-PAGE")
    page = await buyer_client.get("/store/demo/orders")
    assert page.status_code == 200
    html = page.text
    assert f'href="/store/demo/orders/placed/{order["id"]}"' in html
    assert "Placed here" in html and "not yet in the ERP" in html
    detail = await buyer_client.get(f"/store/demo/orders/placed/{order['id']}")
    assert detail.status_code == 200 and "PO-PAGE" in detail.text


async def test_placed_rows_show_their_delivery_and_link_to_their_page(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    local = await place(buyer_client, "PO-D-LOCAL")
    queued = await place(buyer_client, "PO-D-QUEUED")
    sent = await place(buyer_client, "PO-D-SENT")
    rejected = await place(buyer_client, "PO-D-REJECTED")
    failed = await place(buyer_client, "PO-D-FAILED")
    cancelled = await place(buyer_client, "PO-D-CANCELLED")
    await attach_delivery(db, shop, queued, "queued")
    await attach_delivery(db, shop, sent, "sent", erp_order_id="SO-77", erp_order_number="77")
    await attach_delivery(db, shop, rejected, "rejected")
    await attach_delivery(db, shop, failed, "failed")
    await attach_delivery(db, shop, cancelled, "cancelled")

    html = (await buyer_client.get("/store/demo/orders")).text

    expected = {
        local["id"]: "Placed here not yet in the ERP",
        queued["id"]: "Sending",
        sent["id"]: "Sent · 77",
        rejected["id"]: "Rejected",
        failed["id"]: "Not sent",
        cancelled["id"]: "Withdrawn",
    }
    assert placed_statuses(html) == expected
    api = (await buyer_client.get(ORDERS)).json()
    by_id = {row["order_id"]: row["delivery"] for row in api["placed"]}
    assert by_id[sent["id"]]["erp_order_number"] == "77"
    assert [by_id[order_id]["state"] for order_id in expected] == [
        "local",
        "queued",
        "sent",
        "rejected",
        "failed",
        "cancelled",
    ]


async def test_without_an_orders_url_the_local_list_shows_deliveries_too(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    await db.execute(update(Integration).values(orders_url=None))
    await db.commit()
    kept = await place(buyer_client, "PO-L-KEPT")
    sent = await place(buyer_client, "PO-L-SENT")
    await attach_delivery(db, shop, sent, "sent", erp_order_id="SO-9", erp_order_number="9")

    html = (await buyer_client.get("/store/demo/orders")).text

    rows = dict(
        re.findall(
            r'href="/store/demo/orders/placed/([^"]+)">[^<]+</a></td>.*?'
            r'<td data-label="Status">(.*?)</td>',
            html,
            re.S,
        )
    )
    assert rows[kept["id"]] == "Placed"  # the order's own status: nothing is sent
    assert rows[sent["id"]] == '<span class="badge badge-ok">Sent · 9</span>'


def placed_statuses(html: str) -> dict[str, str]:
    """The placed rows of the orders page: the order each links to, and its status's words."""
    rows = re.findall(r'<tr class="placed-here">(.*?)</tr>', html, re.S)
    found = {}
    for row in rows:
        link = re.search(r'href="/store/demo/orders/placed/([^"]+)"', row)
        status = re.search(r'<td data-label="Status">(.*?)</td>', row, re.S)
        assert link is not None and status is not None
        found[link.group(1)] = " ".join(re.sub(r"<[^>]+>", " ", status.group(1)).split())
    return found
