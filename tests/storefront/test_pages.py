"""Buyer pages: filters with form errors, escaping of ERP text, calm errors, stale notice, banner."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin
from erpgate.auth import service as auth_service
from erpgate.auth.cookies import BUYER_COOKIE
from erpgate.kit.clock import Clock
from erpgate.kit.locales import format_datetime
from erpgate.mock_erp.server import MockErpHandle
from erpgate.storefront.schemas import PageOut
from erpgate.storefront.service import Listing
from tests.storefront.conftest import Shop


async def test_orders_page_lists_orders_with_labels_and_a_next_page(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    page = await buyer_client.get("/store/demo/orders?page_size=10")
    assert page.status_code == 200
    first = mock_erp.state.data.orders["C0004935"][0].row["order_id"]
    assert f'href="/store/demo/orders/{first}"' in page.text
    assert 'data-label="Total"' in page.text
    assert "Page 1 of 16 (160 in all)" in page.text
    assert 'rel="next"' in page.text and "page=2" in page.text


async def test_published_statuses_become_a_select_and_a_typed_one_stays_chosen(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    page = await buyer_client.get("/store/demo/orders?status=Shipped")
    assert page.status_code == 200
    assert '<select name="status">' in page.text
    assert '<option value="Shipped" selected>Shipped</option>' in page.text
    assert '<option value="Cancelled" >Cancelled</option>' in page.text
    typed = await buyer_client.get("/store/demo/orders?status=on+hold")
    assert '<option value="on hold" selected>on hold</option>' in typed.text
    lower = await buyer_client.get("/store/demo/orders?status=shipped")  # matched in any case
    assert '<option value="Shipped" selected>Shipped</option>' in lower.text


def test_without_published_statuses_the_status_filter_is_a_text_field() -> None:
    page = PageOut(page=1, page_size=20, total=None, has_next=False)
    assert Listing(rows=[], page=page).status_options("Shipped") is None
    published = Listing(rows=[], page=page, statuses=["Open", "Shipped"])
    assert published.status_options("shipped") == [
        ("", "All"),
        ("Open", "Open"),
        ("Shipped", "Shipped"),
    ]


async def test_bad_dates_show_a_form_error_and_ask_nothing(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    page = await buyer_client.get("/store/demo/orders?date_from=2026-05-01&date_to=2026-04-01")
    assert page.status_code == 422
    assert "To: must not be before the start date (date_from)" in page.text
    assert "Value error" not in page.text
    garbage = await buyer_client.get("/store/demo/invoices?date_from=%3Cscript%3E&page=0")
    assert garbage.status_code == 422
    assert "<script>" not in garbage.text
    assert "Page: must be 1 or more" in garbage.text
    assert "Input should" not in garbage.text
    assert mock_erp.calls("orders") == 0 and mock_erp.calls("invoices") == 0


async def test_erp_text_with_markup_and_rtl_is_escaped(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    data = mock_erp.state.data
    order_id = data.orders["C0004935"][0].row["order_id"]
    mock_erp.set_fault("orders", "markup_text")
    mock_erp.set_fault("order", "markup_text")

    listed = await buyer_client.get("/store/demo/orders")
    page = await buyer_client.get(f"/store/demo/orders/{order_id}")

    assert listed.status_code == page.status_code == 200
    assert "ACME &lt;i&gt;Dock&lt;/i&gt; &amp; &#34;Yard&#34;" in listed.text
    assert "&lt;script&gt;alert(&#34;erp&#34;)&lt;/script&gt;" in page.text
    assert "ACME &lt;i&gt;Dock&lt;/i&gt; &amp; &#34;Yard&#34;" in page.text
    assert "<script>" not in page.text and "<i>Dock" not in listed.text + page.text
    mock_erp.clear_faults()
    rtl = next(
        r.row["order_id"]
        for r in data.orders["C0004935"]
        if "يرجى" in (data.order_details[r.row["order_id"]].get("notes") or "")
    )
    assert "يرجى التسليم" in (await buyer_client.get(f"/store/demo/orders/{rtl}")).text


async def test_failure_page_is_calm_with_the_reference_and_no_erp_text(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, shop: Shop
) -> None:
    mock_erp.set_fault("invoices", "html_error", status=500)
    page = await buyer_client.get("/store/demo/invoices")
    assert page.status_code == 503
    [call] = shop.recorder.calls
    assert f'<code class="reference">{call.reference}</code>' in page.text
    assert "not available right now" in page.text
    for leaked in ("ORA-00942", "500", "Internal Server Error", call.error):
        assert leaked not in page.text


async def test_stale_page_says_as_of_when(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle, clock: Clock
) -> None:
    clock.freeze(clock.now())
    assert (await buyer_client.get("/store/demo/balance")).status_code == 200
    mock_erp.set_fault("balance", "status", status=503)
    page = await buyer_client.get("/store/demo/balance")
    assert page.status_code == 200
    assert f"as of {format_datetime(clock.now(), 'en_US')}" in page.text
    assert 'class="bar' in page.text


async def test_another_customers_order_page_is_404(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    theirs = mock_erp.state.data.orders["C010268"][0].row["order_id"]
    page = await buyer_client.get(f"/store/demo/orders/{theirs}")
    assert page.status_code == 404
    assert "Not found" in page.text
    assert '<a href="/store/demo/">Back to the store</a>' in page.text  # inside the store


async def test_impersonated_session_shows_the_banner_until_it_expires(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession, clock: Clock
) -> None:
    clock.freeze(clock.now())
    admin = await create_admin(
        db, store_id=shop.store.id, email="boss@example.com", password="boss-password", role="owner"
    )
    issued = await auth_service.start_session(
        db,
        kind="buyer",
        principal_id=shop.users["buyer@example.com"].id,
        store_id=shop.store.id,
        now=clock.now(),
        lifetime=timedelta(minutes=30),
        impersonator_admin_id=admin.id,
    )
    await db.commit()
    client.cookies.set(BUYER_COOKIE, issued.token)
    page = await client.get("/store/demo/")
    # In the store's locale (en_US here), as every time on its pages; tests/kit has the forms.
    until = format_datetime(clock.now() + timedelta(minutes=30), "en_US")
    assert until.endswith("M UTC")
    assert f"by boss@example.com until {until}" in page.text
    assert 'action="/admin/impersonation/end"' in page.text
    assert (await client.get("/store/demo/balance")).status_code == 200
    [call] = shop.recorder.calls
    assert call.actor.impersonator_admin_id == admin.id
    assert call.event_data()["related_to"]["impersonator"] == str(admin.id)
    clock.advance(minutes=31)
    assert (await client.get("/store/demo/")).status_code == 303


async def test_an_invoice_links_to_its_order(
    buyer_client: httpx.AsyncClient, mock_erp: MockErpHandle
) -> None:
    data = mock_erp.state.data
    invoice = next(
        detail
        for detail in data.invoice_details.values()
        if detail["customer_code"] == "C0004935" and detail["order_id"]
    )
    order_id = invoice["order_id"]

    page = await buyer_client.get(f"/store/demo/invoices/{invoice['invoice_id']}")

    assert page.status_code == 200
    link = f'<a href="/store/demo/orders/{order_id}">{order_id}</a>'
    assert link in page.text
    order = await buyer_client.get(f"/store/demo/orders/{order_id}")
    assert order.status_code == 200
    assert f"<h1>Order {data.order_details[order_id]['order_number']}" in order.text
