"""The ERP adapter page in headless Chromium: from the integration settings to the page, start
from the Business Central profile, save it, preview a pasted answer and read the mapped JSON.

The live server is shared by every browser test: the profile is saved serving no endpoint and
removed at the end, so the demo store keeps reading its contract URLs."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.adapter.helpers import CUSTOMER, bc_orders_answer
from tests.plugins.live_server import LiveServer, screenshot

pytestmark = pytest.mark.browser


def test_start_from_business_central_save_and_preview_a_pasted_answer(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.base_url}/admin/login?next=/admin/apps/generic-erp")
    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password").fill("demo-admin")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="ERP adapter", exact=True).first.click()
    expect(page.get_by_role("heading", name="Settings › ERP adapter")).to_be_visible()
    try:
        page.get_by_label("Start from").select_option("business-central")
        page.get_by_role("button", name="Copy into the editor").click()
        expect(page.get_by_text("Copied the business-central profile")).to_be_visible()
        expect(page.locator('input[name="base_url"]')).to_have_value(
            "https://api.businesscentral.dynamics.com/v2.0/TENANT/production/api/v2.0/companies(COMPANY-ID)/"
        )
        page.get_by_role("button", name="Save adapter").click()
        expect(page.get_by_text("Adapter settings saved.")).to_be_visible()
        expect(page.get_by_label("Auth driver")).to_have_value("oauth2")

        page.locator('select[name="preview_endpoint"]').select_option("orders")
        page.get_by_label("Customer code").fill(CUSTOMER)
        page.get_by_label("ERP answer").fill(json.dumps(bc_orders_answer()))
        page.get_by_role("button", name="Preview").click()

        expect(page.get_by_text("Fits the contract")).to_be_visible()
        mapped = json.loads(page.locator("#mapped-json").inner_text())
        assert [row["order_id"] for row in mapped["data"]] == ["S-ORD101001", "S-ORD101002"]
        assert mapped["meta"]["has_more"] is False
        screenshot(page, "admin-erp-adapter-preview")
    finally:
        page.goto(f"{live_server.base_url}/admin/apps/generic-erp/adapter")
        page.get_by_role("button", name="Remove adapter").click()
        expect(page.get_by_text("Adapter removed")).to_be_visible()
