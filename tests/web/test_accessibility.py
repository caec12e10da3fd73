"""Accessibility of every page a buyer or an admin reaches, in headless Chromium against the real
app and mock ERP processes: axe-core finds no serious or critical violation, no page logs an error,
and a buyer gets from the catalog to a placed order with the keyboard alone, seeing where the focus
is. Axe's results that it could not decide ("needs review") count as well when serious or
critical. One browser context, signed in once as a buyer and once as an admin, visits the pages.

Run on their own: ``pytest -m browser tests/web/test_accessibility.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, expect

from tests.plugins.live_server import LiveServer

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = ("serious", "critical")
STORE = "/store/demo"
SETTINGS = "/admin/apps/generic-erp"
ADDRESS = {
    "Street address (required)": "1200 Front St",
    "City (required)": "Toledo",
    "Postcode (required)": "43605",
    "Country (2 letters) (required)": "US",
}


def _node(node: dict[str, Any]) -> str:
    reasons = "; ".join(check["message"] for check in node["any"] + node["all"] + node["none"])
    return f"{' '.join(node['target'])}: {reasons}"


@dataclass
class Audit:
    """Runs axe on the page it is shown and keeps what it finds, with the console's errors."""

    page: Page
    base_url: str
    axe: Axe = field(default_factory=Axe)
    findings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", lambda m: self.console_error(m) if m.type == "error" else None)
        self.page.on("pageerror", self.page_error)

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == status, (path, response)
        self.check()

    def check(self) -> None:
        """Axe on the page as it is now. Serious and critical results become findings, those axe
        could not decide as well ("needs review"): each one met here was a real fault."""
        results = self.axe.run(self.page, options={"resultTypes": ["violations", "incomplete"]})
        where = self.page.url.removeprefix(self.base_url)
        self.checked.append(where)
        for kind, key in (("violation", "violations"), ("needs review", "incomplete")):
            for rule in results.response[key]:
                if rule["impact"] in BLOCKING_IMPACTS:
                    self.findings.append(f"{where}: {kind} {rule['id']} ({rule['impact']})")
                    self.findings.extend(f"    {_node(node)}" for node in rule["nodes"])

    def console_error(self, message: ConsoleMessage) -> None:
        # An error page's own status is not a fault of the page; anything else logged is.
        if message.text.startswith("Failed to load resource") and (
            message.location.get("url") == self.page.url
        ):
            return
        self.findings.append(f"{self.page.url}: console error: {message.text}")

    def page_error(self, error: Error) -> None:
        self.findings.append(f"{self.page.url}: page error: {error.message}")

    def assert_clean(self) -> None:
        assert self.checked
        assert not self.findings, "\n".join(self.findings)


@pytest.fixture(scope="module")
def module_audit(browser: Browser, live_server: LiveServer) -> Iterator[Audit]:
    context = browser.new_context()
    yield Audit(context.new_page(), live_server.base_url)
    context.close()


@pytest.fixture
def audit(module_audit: Audit) -> Audit:
    """The module's page, signed-in sessions kept, without what an earlier test found."""
    module_audit.findings.clear()
    module_audit.checked.clear()
    return module_audit


def _submit_sign_in(audit: Audit, login_path: str, email: str, password: str) -> None:
    audit.visit(login_path)
    audit.page.get_by_label("E-mail").fill(email)
    audit.page.get_by_label("Password").fill(password)
    audit.page.get_by_role("button", name="Sign in").click()


def _sign_in(audit: Audit, login_path: str, email: str, password: str) -> None:
    _submit_sign_in(audit, login_path, email, password)
    expect(audit.page.get_by_label("E-mail")).to_have_count(0)


def _open_first(audit: Audit, links: Locator) -> None:
    """Follow the first of a list's links to its detail page and check that page."""
    expect(links.first).to_be_visible()
    with audit.page.expect_navigation():
        links.first.click()
    audit.check()


def _refused_sign_in(audit: Audit, login_path: str) -> None:
    _submit_sign_in(audit, login_path, "nobody@example.com", "not-the-password")
    expect(audit.page.get_by_role("alert")).to_be_visible()
    audit.check()


def test_signed_out_and_error_pages_have_no_serious_violation(audit: Audit) -> None:
    audit.visit("/")
    _refused_sign_in(audit, f"{STORE}/login")
    _refused_sign_in(audit, "/admin/login")
    audit.visit("/no-such-page", status=404)
    audit.visit(f"{STORE}/no-such-page", status=404)
    audit.assert_clean()


def test_buyer_pages_have_no_serious_violation(audit: Audit, erp_faults: LiveServer) -> None:
    page = audit.page
    _sign_in(audit, f"{STORE}/login", "buyer@example.com", "demo-buyer")
    audit.check()  # the storefront home
    audit.visit(f"{STORE}/orders")
    _open_first(audit, page.locator('td[data-label="Order"] a'))
    audit.visit(f"{STORE}/invoices")
    _open_first(audit, page.locator('td[data-label="Invoice"] a'))
    audit.visit(f"{STORE}/balance")
    audit.visit(f"{STORE}/no-such-page", status=404)
    # The calm page a buyer meets when the ERP fails, with its reference code.
    erp_faults.set_fault("invoice", "status", status=503)
    audit.visit(f"{STORE}/invoices/INV-A11Y-1", status=503)
    erp_faults.clear_faults()

    audit.visit(f"{STORE}/catalog")
    page.locator("tr", has_text="5620").get_by_role("button", name="Add").click()
    expect(page.get_by_text("Added 5620 to your cart.")).to_be_visible()
    audit.check()
    audit.visit(f"{STORE}/cart")
    audit.visit(f"{STORE}/checkout")
    page.get_by_label("Postcode (required)").fill("")
    page.get_by_role("button", name="Save address and get shipping and tax").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    audit.check()
    for label, value in ADDRESS.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Save address and get shipping and tax").click()
    expect(page.get_by_role("heading", name="Order summary")).to_be_visible()
    audit.check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you — your order was placed")).to_be_visible()
    audit.check()
    audit.assert_clean()


def test_admin_pages_have_no_serious_violation(audit: Audit, erp_faults: LiveServer) -> None:
    page = audit.page
    _sign_in(audit, "/admin/login", "admin@example.com", "demo-admin")
    audit.check()  # the admin home
    for path in (
        "/admin/apps",
        "/admin/health",
        "/admin/notifications",
        "/admin/audit",
        "/admin/customers/import",
    ):
        audit.visit(path)
    audit.visit("/admin/customers")
    _open_first(audit, page.locator("#customers tbody a"))
    audit.visit("/admin/users")
    _open_first(audit, page.get_by_role("link", name="buyer@example.com", exact=True))

    # A failing endpoint during Test integration: a failed check, an error event with its
    # requests kept, and a problem to look at.
    audit.visit(SETTINGS)
    erp_faults.set_fault("invoice", "status", status=503)
    page.get_by_label("Customer code", exact=True).fill("C0004935")
    page.get_by_role("button", name="Test integration").click()
    expect(page.get_by_text("Some checks failed")).to_be_visible(timeout=60_000)
    audit.check()
    erp_faults.clear_faults()
    page.get_by_label("Name", exact=True).fill("accessibility check")
    page.get_by_role("button", name="Create API key").click()
    expect(page.locator("#new-api-key")).to_be_visible()
    audit.check()

    audit.visit("/admin/events?outcome=error")
    _open_first(audit, page.locator('td[data-label="When"] a'))
    _open_first(audit, page.locator('a[href^="/admin/requests/"]'))
    audit.visit("/admin/problems")
    _open_first(audit, page.locator("#problems tbody a"))
    audit.visit("/admin/alerts")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    audit.check()
    audit.assert_clean()


# --- keyboard only -----------------------------------------------------------------------------

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute("aria-label") || label || el.textContent || "").replace(/\\s+/g, " ").trim(),
    inMain: el.closest("main") !== null,
    outline: [style.outlineStyle, parseFloat(style.outlineWidth)],
  };
}"""


def _focused(page: Page) -> dict[str, Any] | None:
    """What has the focus; it must show a ring of at least 2 px (the browser's own is 1 px)."""
    focused: dict[str, Any] | None = page.evaluate(_FOCUSED)
    if focused is not None:
        style, width = focused["outline"]
        assert style != "none" and width >= 2, focused
    return focused


def _tab_to(page: Page, tag: str, name: str, *, limit: int = 60) -> None:
    """Press Tab until the focus is on a ``tag`` whose name starts with ``name``; every element
    the focus meets on the way must show where it is."""
    for _ in range(limit):
        focused = _focused(page)
        if focused is not None and focused["tag"] == tag and focused["name"].startswith(name):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the {tag} {name!r}")


def _type_into(page: Page, name: str, value: str) -> None:
    _tab_to(page, "input", name)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(value)


def _skip_to_content(page: Page) -> None:
    """The page's first stop is the skip link; it takes the next Tab past the header."""
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused is not None and focused["name"] == "Skip to content", focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused is not None and focused["inMain"], focused


def _press_and_wait(page: Page, key: str) -> None:
    """A key that follows a link or sends a form, and the page it leads to: the next page may
    hold the same heading as this one (a saved ship-to shows the order summary at once)."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_a_buyer_checks_out_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    audit = Audit(page, live_server.base_url)
    page.goto(f"{live_server.base_url}{STORE}/login")
    _type_into(page, "E-mail", "buyer@example.com")
    _type_into(page, "Password", "demo-buyer")
    _press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    _tab_to(page, "a", "Catalog")
    _press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    _skip_to_content(page)
    _type_into(page, "Quantity of TST03", "3")
    _tab_to(page, "button", "Add")
    _press_and_wait(page, "Enter")
    expect(page.get_by_text("Added TST03 to your cart.")).to_be_visible()
    _tab_to(page, "a", "Go to cart")
    _press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    _tab_to(page, "a", "Check out")
    _press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()

    for label, value in ADDRESS.items():
        _type_into(page, label, value)
    _tab_to(page, "button", "Save address and get shipping and tax")
    _press_and_wait(page, "Space")
    expect(page.get_by_role("heading", name="Order summary")).to_be_visible()
    _type_into(page, "Your PO number", "PO-KEYS-1")
    _tab_to(page, "button", "Place order")
    _press_and_wait(page, "Enter")

    expect(page.get_by_text("Thank you — your order was placed")).to_be_visible()
    expect(page.get_by_text("PO number: PO-KEYS-1")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{STORE}/orders/placed/"))
    audit.check()
    audit.assert_clean()
