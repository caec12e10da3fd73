"""The buyer's pages show money, numbers and dates in their store's locale, each amount in its
document's currency; another store keeps its own locale, and the JSON API keeps machine values."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.store import service as store_service
from tests.storefront.conftest import BUYER, SpyRecorder, answering_erp, build_shop, login

AMOUNT = "1234567.5"
LINE = {"sku": "A-1", "quantity": "1500", "unit_price": AMOUNT, "line_total": AMOUNT}
ANSWERS: dict[str, Any] = {
    "orders": {
        "data": [
            {"order_id": "SO-1", "date": "2026-03-01", "total": AMOUNT, "currency": "CHF"},
            {"order_id": "SO-2", "date": "2026-03-02", "total": AMOUNT, "currency": "EUR"},
        ]
    },
    "order": {
        "data": {
            "order_id": "SO-1",
            "date": "2026-03-01",
            "currency": "CHF",
            "total": AMOUNT,
            "lines": [LINE],
            "shipments": [{"carrier": "Post", "ship_date": "2026-03-05"}],
        }
    },
    "invoices": {
        "data": [
            {
                "invoice_id": "INV-1",
                "date": "2026-03-01",
                "due_date": "2026-03-31",
                "currency": "CHF",
                "total": AMOUNT,
                "balance": AMOUNT,
            }
        ]
    },
    "invoice": {
        "data": {
            "invoice_id": "INV-1",
            "date": "2026-03-01",
            "due_date": "2026-03-31",
            "currency": "CHF",
            "total": AMOUNT,
            "balance": AMOUNT,
            "lines": [LINE],
            "payments": [{"date": "2026-03-10", "amount": "1000", "method": "wire"}],
        }
    },
    "balance": {
        "data": {
            "currency": "CHF",
            "balance": AMOUNT,
            "aging": [{"label": "Current", "amount": AMOUNT}],
            "last_payment": {"date": "2026-03-10", "amount": "1000"},
        }
    },
}
# Jinja escapes the apostrophe the Swiss group with; a browser shows CHF 1'234'567.50.
SWISS = "CHF\xa01&#39;234&#39;567.50"
US_CHF = "CHF1,234,567.50"


@pytest.fixture
async def fixed_erp() -> AsyncIterator[dict[str, str]]:
    async with answering_erp(ANSWERS) as urls:
        yield urls


@pytest.fixture
async def stores(
    db: AsyncSession, settings: Settings, fixed_erp: dict[str, str], recorder: SpyRecorder
) -> None:
    """Two stores on the same ERP: zurich in de_CH, demo left in en_US."""
    zurich = await build_shop(db, settings, fixed_erp, recorder, slug="zurich")
    await build_shop(db, settings, fixed_erp, recorder, slug="demo")
    await store_service.set_locale(db, zurich.store.id, "de_CH")
    await db.commit()


async def _page(client: httpx.AsyncClient, store: str, path: str) -> str:
    await login(client, BUYER, store=store)
    page = await client.get(f"/store/{store}{path}")
    assert page.status_code == 200, page.text
    return page.text


async def test_orders_show_the_stores_locale_and_each_orders_currency(
    client: httpx.AsyncClient, stores: None
) -> None:
    swiss = await _page(client, "zurich", "/orders")
    assert f'<td data-label="Total" class="num">{SWISS}</td>' in swiss
    assert '<td data-label="Total" class="num">EUR\xa01&#39;234&#39;567.50</td>' in swiss
    assert '<td data-label="Date">01.03.2026</td>' in swiss
    plain = await _page(client, "demo", "/orders")
    assert f'<td data-label="Total" class="num">{US_CHF}</td>' in plain
    assert '<td data-label="Total" class="num">€1,234,567.50</td>' in plain
    assert '<td data-label="Date">Mar 1, 2026</td>' in plain
    assert "&#39;" not in plain


async def test_an_order_shows_its_lines_totals_and_shipments_in_the_locale(
    client: httpx.AsyncClient, stores: None
) -> None:
    swiss = await _page(client, "zurich", "/orders/SO-1")
    assert "<p>01.03.2026 · </p>" in swiss
    assert '<td data-label="Quantity" class="num">1&#39;500 </td>' in swiss
    assert f'<td data-label="Unit price" class="num">{SWISS}</td>' in swiss
    assert f"<dt>Total</dt><dd><strong>{SWISS}</strong></dd>" in swiss
    assert '<td data-label="Ship date">05.03.2026</td>' in swiss
    plain = await _page(client, "demo", "/orders/SO-1")
    assert "<p>Mar 1, 2026 · </p>" in plain
    assert '<td data-label="Quantity" class="num">1,500 </td>' in plain
    assert f'<td data-label="Line total" class="num">{US_CHF}</td>' in plain


async def test_invoices_show_dates_and_amounts_in_the_locale(
    client: httpx.AsyncClient, stores: None
) -> None:
    listed = await _page(client, "zurich", "/invoices")
    assert '<td data-label="Date">01.03.2026</td>' in listed
    assert "31.03.2026" in listed
    assert f'<td data-label="Balance" class="num">{SWISS}</td>' in listed
    detail = await _page(client, "zurich", "/invoices/INV-1")
    assert "<p>01.03.2026 · due 31.03.2026" in detail
    assert f"<dt>Balance</dt><dd><strong>{SWISS}</strong></dd>" in detail
    assert '<td data-label="Date">10.03.2026</td>' in detail
    assert '<td data-label="Amount" class="num">CHF\xa01&#39;000.00</td>' in detail
    plain = await _page(client, "demo", "/invoices/INV-1")
    assert "<p>Mar 1, 2026 · due Mar 31, 2026" in plain
    assert '<td data-label="Amount" class="num">CHF1,000.00</td>' in plain


async def test_the_balance_shows_the_locale_and_another_store_keeps_its_own(
    client: httpx.AsyncClient, stores: None
) -> None:
    swiss = await _page(client, "zurich", "/balance")
    assert f'<div class="value">{SWISS}</div>' in swiss
    assert f"Current: {SWISS}, 100 % of the aged amounts" in swiss
    assert '<div class="value">CHF\xa01&#39;000.00</div><div class="muted">10.03.2026</div>' in (
        swiss
    )
    plain = await _page(client, "demo", "/balance")
    assert f'<div class="value">{US_CHF}</div>' in plain
    assert '<div class="muted">Mar 10, 2026</div>' in plain


async def test_the_json_api_keeps_machine_values(client: httpx.AsyncClient, stores: None) -> None:
    await login(client, BUYER, store="zurich")
    first = (await client.get("/api/v1/storefront/orders")).json()["data"][0]
    assert (first["total"], first["date"], first["currency"]) == ("1234567.5", "2026-03-01", "CHF")
