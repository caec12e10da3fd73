"""A real loopback ERP answering the bare minimum, credits and markup: pages still read well."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from tests.storefront.conftest import BUYER, SpyRecorder, answering_erp, build_shop, login

ANSWERS: dict[str, Any] = {
    # Only the required fields: no number, status, PO, currency, ship-to.
    "orders": {"data": [{"order_id": "SO-9", "date": "2026-10-02", "total": 5}]},
    "order": {"data": {"order_id": "SO-9", "date": "2026-10-02", "total": "5", "lines": []}},
    "invoices": {
        "data": [
            {
                "invoice_id": "INV-<b>9</b>",
                "date": "2026-10-02",
                "total": "-20.00",
                "balance": "-20.00",
                "po_number": "<img src=x onerror=alert(1)>",
            }
        ]
    },
    "invoice": {"data": None},
    "balance": {
        "data": {
            "balance": "-1250.50",
            "terms": "נטו 30 <script>x</script>",
            "aging": [
                {"label": "Current", "amount": "-1500.50"},
                {"label": "1-30 days", "amount": "250.00"},
            ],
        }
    },
}


@pytest.fixture
async def odd_erp() -> AsyncIterator[dict[str, str]]:
    async with answering_erp(ANSWERS) as urls:
        yield urls


@pytest.fixture
async def odd_client(
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    odd_erp: dict[str, str],
    recorder: SpyRecorder,
) -> httpx.AsyncClient:
    await build_shop(db, settings, odd_erp, recorder)
    await login(client, BUYER)
    return client


async def test_rows_with_only_required_fields_render(odd_client: httpx.AsyncClient) -> None:
    page = await odd_client.get("/store/demo/orders")
    assert page.status_code == 200
    assert ">SO-9</a>" in page.text
    assert "Page 1</span>" in page.text and 'rel="next"' not in page.text
    detail = await odd_client.get("/store/demo/orders/SO-9")
    assert detail.status_code == 200
    assert "No lines." in detail.text and "Not shipped yet." in detail.text


async def test_null_data_on_by_id_is_404(odd_client: httpx.AsyncClient) -> None:
    assert (await odd_client.get("/api/v1/storefront/invoices/INV-9")).status_code == 404


async def test_markup_in_list_fields_is_escaped(odd_client: httpx.AsyncClient) -> None:
    page = await odd_client.get("/store/demo/invoices")
    assert "INV-&lt;b&gt;9&lt;/b&gt;" in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "<img" not in page.text and "<b>9" not in page.text


async def test_negative_balance_shows_as_credit_with_red_bars(
    odd_client: httpx.AsyncClient,
) -> None:
    page = await odd_client.get("/store/demo/balance")
    assert page.status_code == 200
    assert "-1,250.50" in page.text
    assert "Credit in your favour" in page.text
    # Bars are shares of all the aged amounts (credits by their size), labelled.
    assert re.search(r'<svg class="bar negative"[^>]*><rect width="85.7"', page.text)
    assert re.search(r'<svg class="bar"[^>]*><rect width="14.3"', page.text)
    assert '<span class="share-label">85.7 %</span>' in page.text
    assert "14.3 % of the aged amounts" in page.text
    assert "נטו 30 &lt;script&gt;x&lt;/script&gt;" in page.text
