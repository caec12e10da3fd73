"""The pages under the Content-Security-Policy, in headless Chromium: nothing they use is refused.

Run on their own: ``pytest -m browser tests/web``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, Route, expect

from tests.plugins.live_server import LiveServer

pytestmark = pytest.mark.browser

STORE_PAGES = ("/", "/orders", "/invoices", "/balance", "/catalog", "/cart", "/checkout")
ADMIN_PAGES = ("", "/customers", "/users", "/health", "/apps", "/apps/generic-erp", "/events")


def _sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("E-mail")).to_have_count(0)


def test_no_page_breaks_the_content_security_policy(page: Page, live_server: LiveServer) -> None:
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    store = f"{live_server.base_url}/store/demo"
    _sign_in(page, f"{store}/login", "buyer@example.com", "demo-buyer")
    for path in STORE_PAGES:
        page.goto(store + path)
    expect(page.locator("body")).to_be_visible()
    admin = f"{live_server.base_url}/admin"
    _sign_in(page, f"{admin}/login", "admin@example.com", "demo-admin")
    for path in ADMIN_PAGES:
        page.goto(admin + path)
    assert refused == []


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/docs", "/api/v1/storefront/orders"), ("/erp-contract/docs", "/orders")],
)
def test_the_api_docs_render_without_internet(
    page: Page, live_server: LiveServer, path: str, operation: str
) -> None:
    elsewhere: list[str] = []
    errors: list[str] = []

    def offline(route: Route) -> None:
        # Anything not on this machine fails, as it would with no internet.
        if route.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(live_server.base_url + path)

    # Swagger UI drew the operations from the OpenAPI 3.1 document.
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(f".opblock-summary-path[data-path='{operation}']").first).to_be_visible()
    assert elsewhere == []
    assert errors == []
