"""Live prices and stock in headless Chromium against the real app and mock ERP processes: a
contract customer's own prices from the catalog to the placed order, another customer's list
prices, and both on catalog prices, marked, while the ERP is down (checkout still works).

Run with the other browser tests: ``pytest -m browser``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from erpgate.mock_erp import catalog_prices as rules
from tests.plugins.live_server import LiveServer, screenshot
from tests.storefront.test_browser import check_out_to_toledo, set_urls, sign_in

pytestmark = pytest.mark.browser

ACME = "C0004935"


def dollars(value: Decimal | None) -> str:
    assert value is not None
    return f"${value:,.2f}"


def _set_live_price_urls(admin: Page, live_server: LiveServer, on: bool) -> None:
    base = f"{live_server.erp_base_url}/erp"
    urls = {"Prices URL": f"{base}/prices", "Inventory URL": f"{base}/inventory"}
    set_urls(admin, live_server, {label: url if on else "" for label, url in urls.items()})


def _check_out(page: Page, po_number: str) -> None:
    check_out_to_toledo(page)
    expect(page.get_by_role("heading", name="Order summary")).to_be_visible()
    page.get_by_label("Your PO number (optional)").fill(po_number)


def test_each_customer_sees_its_own_prices_and_catalog_prices_while_the_erp_is_down(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    other_context = browser.new_context()
    other = other_context.new_page()
    try:
        _set_live_price_urls(admin, live_server, on=True)

        # A contract customer: its price, the list price struck out, quantity prices, stock.
        sign_in(page, live_server, "buyer@example.com", "demo-buyer")
        page.get_by_role("link", name="Catalog", exact=True).first.click()
        row = page.locator("tr", has_text="Hex bolt M8 x 40")
        expect(row.locator("s")).to_have_text(dollars(rules.ITEM_MASTER["5620"]))
        expect(row).to_contain_text(dollars(rules.expected_unit_price(ACME, "5620")))
        expect(row).to_contain_text(f"{rules.expected_available('5620')} in stock")
        expect(page.get_by_text("Catalog price").first).to_be_visible()  # the unpriced SKU
        screenshot(page, "catalog-live-prices")

        row.get_by_role("link", name="5620").click()
        expect(page.get_by_role("heading", name="Quantity prices")).to_be_visible()
        stock = rules.warehouse_stock("5620")
        assert stock is not None
        expect(page.get_by_text(f"Main warehouse: {stock['MAIN']}")).to_be_visible()
        page.get_by_label("Quantity").fill("12")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_text("Added 5620 to your cart.")).to_be_visible()
        unit = dollars(rules.expected_unit_price(ACME, "5620", Decimal(12)))
        _check_out(page, "PO-LIVE-PRICE")
        expect(page.locator("tr", has_text="5620").first).to_contain_text(unit)
        page.get_by_role("button", name="Place order").click()
        expect(page.get_by_text("Thank you — your order was placed")).to_be_visible()
        expect(page.locator("tr", has_text="5620").first).to_contain_text(unit)

        # The ERP goes down: a customer it never answered for sees catalog prices, marked.
        live_server.set_fault("prices", "status", status=500)
        live_server.set_fault("inventory", "status", status=500)
        sign_in(other, live_server, "gina@example.com", "demo-gina")
        other.get_by_role("link", name="Catalog", exact=True).first.click()
        expect(
            other.get_by_text("Your own prices are not available right now", exact=False)
        ).to_be_visible()
        expect(other.locator("code.reference").first).to_be_visible()
        other_row = other.locator("tr", has_text="Hex bolt M8 x 40")
        expect(other_row).to_contain_text("Catalog price")
        expect(other_row).to_contain_text("$16.80")
        screenshot(other, "catalog-erp-down")
        other_row.get_by_label("Quantity of 5620").fill("2")
        other_row.get_by_role("button", name="Add").click()
        _check_out(other, "PO-ERP-DOWN")
        other.get_by_role("button", name="Place order").click()
        expect(other.get_by_text("Thank you — your order was placed")).to_be_visible()

        # Back up: the list price is the ERP's now, no longer marked.
        live_server.clear_faults()
        other.get_by_role("link", name="Catalog", exact=True).first.click()
        other_row = other.locator("tr", has_text="Hex bolt M8 x 40")
        expect(other_row).to_contain_text("$16.80")
        expect(other_row).not_to_contain_text("Catalog price")
        expect(other_row.locator("s")).to_have_count(0)
    finally:
        live_server.clear_faults()
        _set_live_price_urls(admin, live_server, on=False)
        admin_context.close()
        other_context.close()
