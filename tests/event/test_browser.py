"""The events pages in headless Chromium: list, event, request (hostile body inert), replay and
the fixtures download."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.event.conftest import LiveSite

pytestmark = pytest.mark.browser


def sign_in(page: Page, site: LiveSite) -> None:
    page.goto(site.url + "/admin/login?next=/admin/events")
    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password").fill("demo-admin")
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_events_list_event_request_and_replay(live_site: LiveSite, page: Page) -> None:
    sign_in(page, live_site)
    page.goto(live_site.url + "/admin/events?q=AB12-AB12")
    expect(page.get_by_role("heading", name="Developers › Events")).to_be_visible()
    page.get_by_role("link", name="ab12" * 8).click()

    expect(page).to_have_url(re.compile(f"/admin/events/{live_site.event_id}$"))
    expect(page.locator("#object-payload")).to_contain_text('"external_customer_id": "C0004935"')
    page.get_by_role("link", name="req_browser0001").click()

    expect(page).to_have_url(re.compile(f"/admin/requests/{live_site.request_id}$"))
    expect(page.locator("#response-body")).to_have_text("<script>document.title='pwned'</script>")
    assert page.title() != "pwned"  # the ERP's script is text, never run
    expect(page.locator("#curl")).to_contain_text("Authorization: ••••")

    page.get_by_role("button", name="Replay").click()
    expect(page).to_have_url(re.compile(r"/admin/events/[0-9a-f-]{36}$"))
    assert live_site.event_id not in page.url
    expect(page.locator("#object-payload")).to_contain_text('"external_customer_id": "C0004935"')
    page.goto(live_site.url + "/admin/events?outcome=success")
    expect(page.get_by_role("cell", name="replay")).to_have_count(1)


def test_ticked_answers_download_as_a_fixture_file(live_site: LiveSite, page: Page) -> None:
    sign_in(page, live_site)
    page.goto(f"{live_site.url}/admin/requests/{live_site.request_id}")
    page.get_by_role("button", name="Replay").click()  # the mock ERP answers contract JSON
    expect(page).to_have_url(re.compile(r"/admin/events/[0-9a-f-]{36}$"))
    page.locator('#related-requests input[name="request_id"]').first.check()

    with page.expect_download() as download:
        page.get_by_role("button", name="Export as fixtures").click()

    assert re.fullmatch(
        r"erpgate-fixtures-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename
    )
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert document["format"] == "erpgate-fixtures/1"
    assert [f["request"] for f in document["fixtures"]] == [
        {"customer_code": "C0004935", "page": 1, "page_size": 20}
    ]
