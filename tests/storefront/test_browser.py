"""A buyer's screens in headless Chromium against the real app and mock ERP processes.

Run on their own: ``pytest -m browser tests/storefront``. With ERPGATE_SCREENSHOTS=1
(`make screenshots`) the screenshots replace the ones in docs/screenshots/.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from erpgate.kit.references import REFERENCE_PATTERN
from tests.plugins.live_server import LiveServer, screenshot

ERP_WORDS = ("ORA-00942", "Internal Server Error", "ErpServer", "Injected")

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_server: LiveServer, email: str, password: str) -> None:
    page.goto(f"{live_server.base_url}/store/demo/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_buyer_browses_orders_invoices_balance_and_checks_out(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "buyer@example.com", "demo-buyer")

    page.get_by_role("link", name="Orders", exact=True).first.click()
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
    page.get_by_label("Status").select_option("Shipped")  # the statuses the ERP publishes
    page.get_by_label("Per page").select_option("10")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=Shipped"))
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+"))).to_be_visible()
    statuses = page.locator('td[data-label="Status"]').all_inner_texts()
    assert statuses and set(statuses) == {"Shipped"}
    screenshot(page, "orders")

    page.locator('td[data-label="Order"] a').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order SO-")
    expect(page.get_by_role("heading", name="Shipments")).to_be_visible()
    _expect_totals_block(page)
    screenshot(page, "order-detail")

    page.get_by_role("link", name="Invoices", exact=True).first.click()
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator('td[data-label="Status"]').first).to_have_text("Open")
    screenshot(page, "invoices")
    page.locator('td[data-label="Invoice"] a').first.click()
    expect(page.get_by_role("heading", name="Payments applied")).to_be_visible()

    page.get_by_role("link", name="Balance", exact=True).first.click()
    expect(page.get_by_role("heading", name="Aging")).to_be_visible()
    expect(page.locator(".bar").first).to_be_visible()
    screenshot(page, "balance")

    page.get_by_role("link", name="Catalog", exact=True).first.click()
    page.get_by_label("Quantity of 5620").fill("4")
    page.locator("tr", has_text="5620").get_by_role("button", name="Add").click()
    expect(page.get_by_text("Added 5620 to your cart.")).to_be_visible()
    check_out_to_toledo(page, name="ACME Warehouse 3", state="OH")
    expect(page.get_by_role("heading", name="Order summary")).to_be_visible()
    expect(page.get_by_role("group", name="Shipping method")).to_be_visible()
    _expect_totals_block(page)
    screenshot(page, "checkout")
    page.get_by_label("Your PO number (optional)").fill("PO-BROWSER-1")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you — your order was placed")).to_be_visible()
    expect(page.get_by_text("PO number: PO-BROWSER-1")).to_be_visible()
    _expect_totals_block(page)
    screenshot(page, "placed-order")
    number = page.get_by_role("heading", level=1).inner_text().split()[-1]

    # The placed order is found again in "Your orders", marked, by its PO number too.
    page.get_by_role("link", name="Orders", exact=True).first.click()
    page.get_by_label("Search").fill("po-browser-1")
    page.get_by_role("button", name="Filter").click()
    placed = page.locator("tr.placed-here")
    expect(placed).to_have_count(1)
    expect(placed).to_contain_text("Placed here")
    placed.get_by_role("link").click()
    expect(page.get_by_text("PO number: PO-BROWSER-1")).to_be_visible()
    assert number in page.get_by_role("heading", level=1).inner_text()


def test_a_placed_order_reaches_the_erp_and_its_page_shows_the_erps_number(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    # The live server is shared: the store gets its Submit Order URL for this test only.
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    try:
        _set_submit_order_url(admin, live_server, f"{live_server.erp_base_url}/erp/orders/submit")
        sign_in(page, live_server, "buyer@example.com", "demo-buyer")
        page.get_by_role("link", name="Catalog", exact=True).first.click()
        page.get_by_label("Quantity of 5620").fill("2")
        page.locator("tr", has_text="5620").get_by_role("button", name="Add").click()
        expect(page.get_by_text("Added 5620 to your cart.")).to_be_visible()
        check_out_to_toledo(page, name="ACME Warehouse 3")
        page.get_by_label("Your PO number (optional)").fill("PO-BROWSER-ERP")
        page.get_by_label("Notes for the store (optional)").fill("Deliver to dock 3")
        page.get_by_role("button", name="Place order").click()
        expect(page.get_by_text("Thank you — your order was placed")).to_be_visible()
        expect(page.locator("#order-notes")).to_have_text("Deliver to dock 3")

        # The worker is woken once the order commits; the page says so after a reload.
        state = page.locator("#delivery-state")
        _reload_until(page, state, re.compile(r"^In our order system as SO-\d+$"))
        expect(page.locator("#delivery-status")).to_have_text("Status: Open")
        screenshot(page, "placed-order-in-erp")
    finally:
        _set_submit_order_url(admin, live_server, "")
        admin_context.close()


def check_out_to_toledo(page: Page, *, name: str = "", state: str = "") -> None:
    """From a page with "Go to cart": the cart, checkout, and a ship-to in Toledo, quoted."""
    page.get_by_role("link", name="Go to cart").click()
    page.get_by_role("link", name="Check out").click()
    if name:
        page.get_by_label("Name").fill(name)
    page.get_by_label("Street address (required)").fill("1200 Front St")
    page.get_by_label("City (required)").fill("Toledo")
    if state:
        page.get_by_label("State / region").fill(state)
    page.get_by_label("Postcode (required)").fill("43605")
    page.get_by_label("Country (2 letters) (required)").fill("US")
    page.get_by_role("button", name="Save address and get shipping and tax").click()


def _set_submit_order_url(admin: Page, live_server: LiveServer, url: str) -> None:
    set_urls(admin, live_server, {"Submit Order URL": url})


def set_urls(admin: Page, live_server: LiveServer, urls: dict[str, str]) -> None:
    """Set endpoint URLs (by their label; "" switches one off) on the shared store's settings
    page, signing the demo admin in on first use."""
    if "/admin/" not in admin.url:
        admin.goto(f"{live_server.base_url}/admin/login")
        admin.get_by_label("E-mail").fill("admin@example.com")
        admin.get_by_label("Password").fill("demo-admin")
        admin.get_by_role("button", name="Sign in").click()
        expect(admin.get_by_role("link", name="App Store", exact=True)).to_be_visible()
    admin.goto(f"{live_server.base_url}/admin/apps/generic-erp")
    for label, url in urls.items():
        admin.get_by_label(label, exact=True).fill(url)
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_text("Settings saved.")).to_be_visible()


def _reload_until(page: Page, locator: Locator, text: re.Pattern[str], seconds: float = 20) -> None:
    """Reload until ``locator`` reads ``text``: the page shows what was true when it was served.
    Each look waits on Playwright's own auto-wait, never a fixed sleep."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            expect(locator).to_have_text(text, timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def _expect_totals_block(page: Page) -> None:
    """The totals read as a block: a grid at the right, amounts right-aligned, the total last."""
    totals = page.locator("dl.totals")
    expect(totals).to_have_count(1)
    expect(totals.locator("dt").last).to_have_text("Total")
    assert totals.evaluate("e => getComputedStyle(e).display") == "grid"
    block = totals.bounding_box()
    amount = totals.locator("dd").last.bounding_box()
    label = totals.locator("dt").last.bounding_box()
    main = page.locator("main").bounding_box()
    assert block and amount and label and main
    assert amount["x"] > label["x"]  # amount beside its label, not under it
    assert abs(block["x"] + block["width"] - (main["x"] + main["width"])) < 40  # at the right


def test_every_page_stays_calm_when_the_erp_fails(page: Page, erp_faults: LiveServer) -> None:
    sign_in(page, erp_faults, "buyer@example.com", "demo-buyer")
    erp_faults.set_fault("*", "html_error", status=500)
    base = f"{erp_faults.base_url}/store/demo"
    # Requests nobody made before, so no last good answer can stand in for the calm page.
    for path in (
        "/orders?search=calm-check",
        "/orders/SO-CALM-1",
        "/invoices?search=calm-check",
        "/invoices/INV-CALM-1",
    ):
        page.goto(base + path)
        expect(page.get_by_text("This information is not available right now.")).to_be_visible()
        expect(page.locator("code.reference")).to_have_text(REFERENCE_PATTERN)
        content = page.content()
        assert not any(word in content for word in ERP_WORDS), path
    screenshot(page, "calm-error")

    # The balance has one request only: it is calm, or the last good answer "as of" a time.
    page.goto(base + "/balance")
    expect(page.locator("code.reference")).to_have_text(REFERENCE_PATTERN)
    assert not any(word in page.content() for word in ERP_WORDS)

    # Checkout still works: built-in shipping methods and the estimated tax.
    page.goto(base + "/catalog")
    page.locator("tr", has_text="TST03").get_by_role("button", name="Add").click()
    page.goto(base + "/checkout")
    if page.get_by_role("heading", name="Order summary").count() == 0:
        page.get_by_label("Street address (required)").fill("12 Main St")
        page.get_by_label("City (required)").fill("Gibsonburg")
        page.get_by_label("Postcode (required)").fill("43431")
        page.get_by_label("Country (2 letters) (required)").fill("US")
        page.get_by_role("button", name="Save address and get shipping and tax").click()
    expect(page.get_by_text("Live shipping rates are not available right now")).to_be_visible()
    expect(page.get_by_text("Tax estimated")).to_be_visible()
    assert not any(word in page.content() for word in ERP_WORDS)


def test_phone_sized_orders_page_stacks_the_table(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "buyer@example.com", "demo-buyer")
    page.goto(f"{live_server.base_url}/store/demo/orders")
    expect(page.locator("table.responsive thead")).to_be_hidden()
    screenshot(page, "orders-phone")


def test_a_missing_page_keeps_the_store_and_leads_back_into_it(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.base_url}/store/demo/no-such-page")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.get_by_role("link", name="Sign in to the store").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    sign_in(page, live_server, "buyer@example.com", "demo-buyer")
    page.goto(f"{live_server.base_url}/store/demo/no-such-page")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name="Back to the store").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
