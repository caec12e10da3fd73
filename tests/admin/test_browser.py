"""The admin console in headless Chromium against the real app and mock ERP processes.

Install and configure the integration and test it; Login on storefront, whose events name both
the buyer and the admin; uninstall hides the buyer's live modules. The live server is shared by
every browser test of the run, so each test leaves the store as it found it.
Run on their own: ``pytest -m browser tests/admin``. With ERPGATE_SCREENSHOTS=1
(`make screenshots`) the screenshots replace docs/screenshots/admin-*.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.plugins.live_server import LiveServer, screenshot

SETTINGS = "/admin/apps/generic-erp"
ENDPOINTS = ("orders", "order", "invoices", "invoice", "balance", "taxes", "shipping")

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    screenshot(page, f"admin-{name}")


def admin_sign_in(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base_url}/admin/login")
    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password").fill("demo-admin")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="App Store", exact=True)).to_be_visible()


def buyer_sign_in(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base_url}/store/demo/login")
    page.get_by_label("E-mail").fill("buyer@example.com")
    page.get_by_label("Password").fill("demo-buyer")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def save_invoices_timeout(page: Page, live_server: LiveServer, value: str) -> None:
    page.goto(live_server.base_url + SETTINGS)
    page.get_by_label("Invoices URL timeout", exact=True).fill(value)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()


def test_configure_and_test_the_integration(page: Page, live_server: LiveServer) -> None:
    admin_sign_in(page, live_server)
    page.get_by_role("link", name="App Store", exact=True).click()
    expect(page.get_by_role("heading", name="App Store")).to_be_visible()
    card = page.locator("#app-generic-erp")
    expect(card.get_by_text("Installed", exact=True)).to_be_visible()
    card.get_by_role("link", name="Configure").click()
    expect(page.get_by_role("heading", name="Generic ERP Integration")).to_be_visible()

    timeout = page.get_by_label("Invoices URL timeout", exact=True)
    original = timeout.input_value()
    changed = "7.5" if original != "7.5" else "6.5"
    try:
        save_invoices_timeout(page, live_server, changed)
        # Kept: the page after the redirect, and a fresh load, show the new value.
        expect(timeout).to_have_value(changed)
        page.reload()
        expect(timeout).to_have_value(changed)
        # The Token stays write-only: only its last four characters are shown.
        expect(page.locator("#token-hint")).to_have_text("••••oken")
        shot(page, "settings")
    finally:
        save_invoices_timeout(page, live_server, original)
    expect(timeout).to_have_value(original)

    page.get_by_label("Customer code", exact=True).fill("C0004935")
    page.get_by_label("Another customer's code", exact=True).fill("C010268")
    page.get_by_role("button", name="Test integration").click()
    results = page.locator("#test-results")
    expect(results).to_be_visible(timeout=60_000)
    expect(page.get_by_text("All checks passed")).to_be_visible()
    rows = results.locator("tbody tr")
    tested: dict[str, set[str]] = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        endpoint = row.locator('td[data-label="Endpoint"]').inner_text().strip()
        result = row.locator('td[data-label="Result"]').inner_text().strip()
        tested.setdefault(endpoint, set()).add(result)
    # Every endpoint the shared store has a URL for was checked (seven: it has no Submit Order,
    # Prices or Inventory URL), and nothing failed.
    assert set(tested) == set(ENDPOINTS), tested
    assert all("fail" not in outcomes and "pass" in outcomes for outcomes in tested.values())
    expect(results.locator('td[data-label="Request"] a').first).to_have_attribute(
        "href", re.compile(r"^/admin/events\?q=[0-9a-f]{32}$")
    )
    shot(page, "test-results")


def _newest_event_payload(page: Page, live_server: LiveServer, user_id: str) -> dict[str, Any]:
    """Open the newest erp.invoices.list event of this user; successes are written in batches,
    so wait for one that carries an impersonator."""
    url = f"{live_server.base_url}/admin/events?type=erp.invoices.list&user={user_id}"
    deadline = time.monotonic() + 20
    while True:
        page.goto(url)
        links = page.locator('td[data-label="When"] a')
        if links.count() > 0:
            links.first.click()
            expect(page.locator("#object-payload")).to_be_visible()
            data: dict[str, Any] = json.loads(page.locator("#object-payload").inner_text())[
                "event_data"
            ]
            if "impersonator" in data["related_to"] or time.monotonic() > deadline:
                return data
        elif time.monotonic() > deadline:
            raise AssertionError("no erp.invoices.list event of this user was stored")
        page.wait_for_timeout(500)


def test_login_on_storefront_names_the_admin_in_every_event(
    page: Page, live_server: LiveServer
) -> None:
    admin_sign_in(page, live_server)
    admin_id = page.request.get(f"{live_server.base_url}/api/v1/admin/auth/me").json()["id"]
    page.get_by_role("link", name="All users", exact=True).click()
    page.get_by_role("link", name="buyer@example.com", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/users/[0-9a-f-]{36}$"))
    user_id = page.url.rsplit("/", 1)[1]

    page.get_by_role("button", name="Login on storefront").click()
    expect(page).to_have_url(f"{live_server.base_url}/store/demo/")
    banner = page.locator(".banner")
    expect(banner).to_contain_text("You are signed in as")
    expect(banner).to_contain_text("(buyer@example.com) by admin@example.com until")
    page.get_by_role("link", name="Invoices", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your invoices")
    expect(page.locator('td[data-label="Invoice"]').first).to_be_visible()

    data = _newest_event_payload(page, live_server, user_id)
    assert data["external_customer_id"] == "C0004935"
    assert data["related_to"]["user"] == user_id
    assert data["related_to"]["impersonator"] == admin_id
    expect(page.locator("#object-payload")).to_contain_text(f'"impersonator": "{admin_id}"')
    shot(page, "event-impersonator")

    page.goto(f"{live_server.base_url}/store/demo/")
    page.get_by_role("button", name="End impersonation").click()
    expect(page).to_have_url(re.compile(f"/admin/users/{user_id}"))
    # The buyer session is gone with the banner.
    page.goto(f"{live_server.base_url}/store/demo/")
    expect(page).to_have_url(re.compile(r"/store/demo/login"))

    page.goto(f"{live_server.base_url}/admin/audit")
    rows = page.locator("#audit tbody tr")
    newest, before = rows.nth(0), rows.nth(1)
    expect(newest.locator('td[data-label="Action"]')).to_have_text("impersonation.ended")
    expect(before.locator('td[data-label="Action"]')).to_have_text("impersonation.started")
    for row in (newest, before):
        expect(row.locator('td[data-label="Admin"]')).to_have_text("admin@example.com")
        expect(row.locator('td[data-label="Subject"]')).to_have_text("buyer@example.com")


def _live_modules(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(".grid h2").all_inner_texts()]


def test_uninstall_hides_the_buyers_live_modules(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    buyer_context = browser.new_context()
    buyer = buyer_context.new_page()
    try:
        buyer_sign_in(buyer, live_server)
        assert _live_modules(buyer) == ["Orders", "Invoices", "Balance", "Order products"]

        admin_sign_in(page, live_server)
        page.goto(f"{live_server.base_url}/admin/apps")
        try:
            page.get_by_role("button", name="Uninstall").click()
            expect(page.get_by_text("every live feature is off")).to_be_visible()
            expect(page.locator("#app-generic-erp")).to_contain_text("Not installed")

            buyer.reload()
            # Orders stay, showing the orders placed in this store; nothing asks the ERP.
            assert _live_modules(buyer) == ["Orders", "Order products"]
            expect(buyer.get_by_role("link", name="Invoices")).to_have_count(0)
            expect(buyer.get_by_role("link", name="Balance")).to_have_count(0)
            buyer.get_by_role("link", name="Orders", exact=True).first.click()
            expect(buyer.get_by_text("Orders placed in this store.")).to_be_visible()
        finally:
            page.goto(f"{live_server.base_url}/admin/apps")
            if page.get_by_role("button", name="Install").count():
                page.get_by_role("button", name="Install").click()
        expect(page.get_by_text("Installed", exact=True)).to_be_visible()

        buyer.goto(f"{live_server.base_url}/store/demo/")
        assert _live_modules(buyer) == ["Orders", "Invoices", "Balance", "Order products"]
    finally:
        buyer_context.close()


def test_the_admin_header_fits_one_row_at_1280_pixels(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    admin_sign_in(page, live_server)
    for path in ("/admin", "/admin/audit", "/admin/problems", "/admin/deliveries"):
        page.goto(live_server.base_url + path)
        header = page.locator("header.top")
        boxes = [
            item.bounding_box() for item in header.locator(".brand, nav > a, nav summary").all()
        ]
        assert len(boxes) == 12 and all(boxes), path
        # One row: every item's vertical extent overlaps every other's.
        assert max(b["y"] for b in boxes) < min(b["y"] + b["height"] for b in boxes), path
        header_box = header.bounding_box()
        assert header_box is not None and header_box["height"] < 64, (path, header_box)
    # The shorter links keep their section in their names; the account menu opens on a click.
    expect(page.get_by_role("link", name="Developers › Events")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out everywhere")).to_be_hidden()
    page.locator("details.account summary").click()
    expect(page.get_by_role("button", name="Sign out everywhere")).to_be_visible()
    expect(page.get_by_text("Signed in as admin@example.com (owner)")).to_be_visible()
    shot(page, "header-1280")


def test_test_integration_says_it_is_working_while_it_runs(
    page: Page, live_server: LiveServer
) -> None:
    admin_sign_in(page, live_server)
    page.goto(live_server.base_url + SETTINGS)
    page.get_by_label("Customer code", exact=True).fill("C0004935")
    # Against the mock ERP a run takes a moment only: the page is kept from leaving (a listener
    # after the page's own cancels the submission) so what it shows while it waits stays in view.
    page.evaluate("() => document.addEventListener('submit', (e) => e.preventDefault())")
    page.get_by_role("button", name="Test integration").click()
    # While it runs: the button is disabled (no second run) and the page says what happens.
    busy = page.locator("#test-form button[type=submit]")
    expect(busy).to_be_disabled()
    expect(busy).to_contain_text("Testing the integration")
    expect(page.locator("#test-form [role=status]")).to_contain_text("can take a minute")
    expect(page.locator("#test-form")).to_have_attribute("aria-busy", "true")
    # Without the listener the run goes through, the busy button's form sent whole.
    page.reload()
    page.get_by_label("Customer code", exact=True).fill("C0004935")
    page.get_by_role("button", name="Test integration").click()
    expect(page.locator("#test-results")).to_be_visible(timeout=60_000)
    expect(page.get_by_label("Customer code", exact=True)).to_have_value("C0004935")
    expect(page.get_by_role("button", name="Test integration")).to_be_enabled()
