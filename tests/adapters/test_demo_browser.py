"""`erpgate demo --erp NAME` in a real browser: the buyer sees that ERP twin's orders, an order,
invoices, an invoice and the balance, read through its shipped adapter profile."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.plugins.live_server import free_port, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.own_database]


@dataclass
class Demo:
    base_url: str
    twin_url: str

    def twin_calls(self) -> dict[str, int]:
        with urllib.request.urlopen(self.twin_url + "/_control/calls", timeout=5) as answer:  # noqa: S310
            counts: dict[str, int] = json.loads(answer.read())["counts"]
            return counts


@pytest.fixture(scope="module", params=["business-central", "sap-b1", "erpnext", "odoo"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    name: str = request.param
    workdir: Path = tmp_path_factory.mktemp(f"demo-{name}")
    port, erp_port, twin_port = free_port(), free_port(), free_port()
    # The developer's own ERPGATE_ settings must not leak into the demo under test.
    env = {key: value for key, value in os.environ.items() if not key.startswith("ERPGATE_")}
    env["ERPGATE_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
    env["ERPGATE_MAIL_DIR"] = str(workdir / "mail")
    command = [sys.executable, "-m", "erpgate.cli", "demo", "--erp", name]
    command += ["--port", str(port), "--erp-port", str(erp_port), "--twin-port", str(twin_port)]
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdout=(workdir / "demo.out").open("wb"),
        stderr=(workdir / "demo.log").open("wb"),
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process, seconds=90)
        yield Demo(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{twin_port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_buyer_sees_the_twins_orders_invoices_and_balance(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.base_url}/store/demo/login")
    page.get_by_label("E-mail").fill("buyer@example.com")
    page.get_by_label("Password").fill("demo-buyer")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    page.get_by_role("link", name="Orders", exact=True).first.click()
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
    rows = page.locator('td[data-label="Order"] a')
    expect(rows.first).to_be_visible()
    page.get_by_label("Per page").select_option("10")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(10)
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    rows.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order ")
    expect(page.locator("table").first).to_be_visible()

    page.get_by_role("link", name="Invoices", exact=True).first.click()
    expect(page.get_by_role("heading", name="Your invoices")).to_be_visible()
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filter").click()
    page.locator('td[data-label="Invoice"] a').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice ")

    page.get_by_role("link", name="Balance", exact=True).first.click()
    expect(page.get_by_role("heading", name="Account balance")).to_be_visible()
    # ERPNext's get_balance_on answers a bare number (no currency): the amount shows without one.
    expect(page.get_by_text(re.compile(r"^\$?[\d,]+\.\d\d$")).first).to_be_visible()

    # Read from the twin, not the mock ERP. Some profiles read one record through its list's
    # route filtered by id and customer, so the twin may count those as list calls.
    calls = demo.twin_calls()
    orders = calls.get("orders", 0) + calls.get("order", 0)
    invoices = calls.get("invoices", 0) + calls.get("invoice", 0)
    assert orders >= 4, calls  # page 1, 10 per page, page 2, the order
    assert invoices >= 3, calls  # all, open ones, the invoice
    assert calls.get("balance", 0) >= 1, calls
