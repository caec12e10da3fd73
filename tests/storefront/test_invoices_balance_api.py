"""Invoices and balance through the JSON API; permissions refuse before any ERP call."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from erpgate.mock_erp.server import MockErpHandle
from tests.storefront.conftest import VIEWER, Shop, erp_bodies, login


async def test_open_invoices_have_a_balance_and_an_overdue_marker(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    response = await buyer_client.get("/api/v1/storefront/invoices?status=open&page_size=100")
    assert response.status_code == 200
    rows = response.json()["data"]
    assert rows
    assert all(row["status"] == "open" and float(row["balance"]) > 0 for row in rows)
    assert {type(row["overdue"]) for row in rows} == {bool}
    assert erp_bodies(mock_erp, "invoices")[0]["status"] == "open"


async def test_all_invoices_send_no_status(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    await buyer_client.get("/api/v1/storefront/invoices?status=all")
    assert erp_bodies(mock_erp, "invoices")[0]["status"] is None


async def test_unknown_invoice_status_is_422_without_erp_call(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    response = await buyer_client.get("/api/v1/storefront/invoices?status=overdue")
    assert response.status_code == 422
    assert mock_erp.calls("invoices") == 0


async def test_invoice_detail_has_payments(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    paid = next(
        r.row["invoice_id"]
        for r in mock_erp.state.data.invoices["C0004935"]
        if mock_erp.state.data.invoice_details[r.row["invoice_id"]]["payments"]
    )
    data = (await buyer_client.get(f"/api/v1/storefront/invoices/{paid}")).json()["data"]
    assert data["invoice_id"] == paid
    assert data["payments"][0]["amount"]


async def test_another_customers_invoice_is_404(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    theirs = mock_erp.state.data.invoices["C010268"][0].row["invoice_id"]
    response = await buyer_client.get(f"/api/v1/storefront/invoices/{theirs}")
    assert response.status_code == 404
    assert erp_bodies(mock_erp, "invoice") == [
        {"customer_code": "C0004935", "seller_reference": None, "invoice_id": theirs}
    ]


async def test_balance_has_the_ar_summary(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    data = (await buyer_client.get("/api/v1/storefront/balance")).json()["data"]
    assert data["credit_limit"] == "50000.00"
    assert data["aging"][0]["label"] == "Current"


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [
        ("/api/v1/storefront/invoices", "invoices"),
        ("/api/v1/storefront/invoices/INV-1", "invoice"),
        ("/api/v1/storefront/balance", "balance"),
    ],
)
async def test_viewer_is_refused_with_403_and_no_erp_call(
    client: httpx.AsyncClient, shop: Shop, mock_erp: MockErpHandle, path: str, endpoint: str
) -> None:
    await login(client, VIEWER)
    response = await client.get(path)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert mock_erp.calls(endpoint) == 0


async def test_viewer_sees_only_the_orders_module(client: httpx.AsyncClient, shop: Shop) -> None:
    await login(client, VIEWER)
    assert (await client.get("/api/v1/storefront/me")).json()["modules"] == ["orders"]
    page = await client.get("/store/demo/invoices")
    assert page.status_code == 403
    assert "Not allowed" in page.text


async def test_the_published_schemas_are_what_goes_on_the_wire(
    app: FastAPI, buyer_client: httpx.AsyncClient
) -> None:
    schemas = app.openapi()["components"]["schemas"]
    invoices = (await buyer_client.get("/api/v1/storefront/invoices")).json()
    orders = (await buyer_client.get("/api/v1/storefront/orders")).json()
    paths = app.openapi()["paths"]

    assert set(invoices["data"][0]) == set(schemas["InvoiceRow"]["properties"])
    assert "overdue" in schemas["InvoiceRow"]["required"]
    assert set(orders["data"][0]) == set(schemas["OrderSummary"]["properties"])
    assert set(orders) <= set(schemas["OrdersPage"]["properties"])
    listed = [p["name"] for p in paths["/api/v1/storefront/orders"]["get"]["parameters"]]
    assert listed == ["page", "page_size", "search", "status", "date_from", "date_to"]
