"""Problems in headless Chromium: a failing endpoint opens one problem whose count grows with
every buyer who meets it; the buyer's reference finds it; the admin acknowledges it; once the
ERP is quiet it resolves and the merchant gets the resolved e-mail."""

from __future__ import annotations

import re
import time
from email import message_from_bytes
from email.message import Message

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.plugins.live_server import LiveServer, screenshot

pytestmark = pytest.mark.browser


def _mails(live_server: LiveServer) -> list[Message]:
    folder = live_server.mail_dir
    if not folder.exists():
        return []
    return [message_from_bytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def _wait_for_mail(live_server: LiveServer, subject: str, seconds: float = 20.0) -> Message:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for mail in _mails(live_server):
            if str(mail["Subject"]).startswith(subject):
                return mail
        time.sleep(0.2)
    raise AssertionError(
        f"no e-mail starting {subject!r}: {[m['Subject'] for m in _mails(live_server)]}"
    )


def _count_reaches(page: Page, count: int, seconds: float = 10.0) -> None:
    """Reload the problem page until its count shows ``count``: counts are written each second
    and the page shows them as of its loading."""
    deadline = time.monotonic() + seconds
    while page.locator("#problem-count").inner_text() != str(count):
        assert time.monotonic() < deadline, page.locator("#problem-count").inner_text()
        time.sleep(0.3)
        page.reload()


def test_a_failing_endpoint_is_one_problem_acknowledged_then_resolved_when_quiet(
    browser: Browser, erp_faults: LiveServer
) -> None:
    live = erp_faults
    live.set_fault("balance", "status", status=503)
    buyer = browser.new_page()
    buyer.goto(f"{live.base_url}/store/demo/login")
    buyer.get_by_label("E-mail").fill("buyer@example.com")
    buyer.get_by_label("Password").fill("demo-buyer")
    buyer.get_by_role("button", name="Sign in").click()
    references = []
    for _ in range(3):
        buyer.goto(f"{live.base_url}/store/demo/balance")
        expect(buyer.get_by_text("not available right now")).to_be_visible()
        references.append(buyer.locator("code.reference").inner_text())
    code = references[0].split("-")[0]
    assert all(reference.startswith(code + "-") for reference in references)

    admin = browser.new_page()
    admin.goto(f"{live.base_url}/admin/login?next=/admin/problems")
    admin.get_by_label("E-mail").fill("admin@example.com")
    admin.get_by_label("Password").fill("demo-admin")
    admin.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(admin.get_by_role("heading", name="Developers › Problems")).to_be_visible()
    admin.get_by_label("Search").fill(references[1])
    admin.get_by_role("button", name="Filter").click()
    row = admin.locator("#problems tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("balance")
    expect(row).to_contain_text("your reference:")
    row.get_by_role("link", name=code).click()
    expect(admin.locator("#problem-state")).to_have_text("open")
    _count_reaches(admin, 3)

    buyer.goto(f"{live.base_url}/store/demo/balance")
    expect(buyer.get_by_text("not available right now")).to_be_visible()
    _count_reaches(admin, 4)
    screenshot(admin, "admin-problem")

    admin.get_by_role("button", name="Acknowledge").click()
    expect(admin.locator("#problem-state")).to_have_text("acknowledged")
    opened = _wait_for_mail(live, "ERP integration problem: Customer A/R Balance URL")
    assert code in opened.get_payload()  # type: ignore[operator]

    live.clear_faults()
    resolved = _wait_for_mail(live, "ERP integration problem resolved: Customer A/R Balance URL")
    assert "no failure for 4 seconds" in str(resolved.get_payload())
    admin.reload()
    expect(admin.locator("#problem-state")).to_have_text("resolved")
    buyer.goto(f"{live.base_url}/store/demo/balance")
    expect(buyer.get_by_role("heading", name="Account balance")).to_be_visible()
    page: Page = admin
    page.goto(f"{live.base_url}/admin/events?q={references[0]}")
    expect(page.locator("tbody tr")).to_have_count(1)
