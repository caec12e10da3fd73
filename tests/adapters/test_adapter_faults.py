"""What goes wrong between an adapter and an ERP's own API, against the twins: each ends calm,
within the call's deadline, with a sentence that says what happened."""

from __future__ import annotations

import time

from erpgate.erp.errors import (
    ErpContractError,
    ErpRateLimitedError,
    ErpSsrfError,
    ErpUnauthorizedError,
)
from erpgate.twins import TwinConfig
from tests.adapters.twin_reads import twin_reader


class JumpingClock:
    """The twin's clock: still for the first ``calls`` readings, then an hour later."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def __call__(self) -> float:
        self.calls -= 1
        return 0.0 if self.calls >= 0 else 3600.0


async def test_a_session_that_expires_between_page_1_and_2_logs_in_once_more() -> None:
    # Readings: the login opens the session, page 1 uses it; page 2 finds it an hour idle.
    config = TwinConfig(clock=JumpingClock(calls=2))
    async with twin_reader("sap-b1", config) as reader:
        outcome = await reader.orders(page_size=30)
    assert outcome.ok, outcome.error
    assert len(outcome.value.data) == 30
    steps = [(a.url.split("/b1s/v2/")[1].split("?")[0], a.status) for a in outcome.attempts]
    assert steps == [
        ("Login", 200),
        ("Orders", 200),
        ("Orders", 401),
        ("Login", 200),
        ("Orders", 200),
    ]


async def test_the_session_is_reused_and_logged_out_at_shutdown() -> None:
    async with twin_reader("sap-b1") as reader:
        await reader.orders(page_size=5)
        await reader.balance()
        assert reader.twin.calls("login") == 1
        await reader.gateway.close()
        assert reader.twin.calls("logout") == 1
        assert len(reader.gateway.sessions) == 0


async def test_a_refused_login_is_unauthorized_and_masks_the_password() -> None:
    async with twin_reader("sap-b1", token="wrong-password") as reader:
        outcome = await reader.orders()
    assert isinstance(outcome.error, ErpUnauthorizedError)
    assert outcome.error.human.startswith("Login refused the credentials (401")
    from erpgate.erp.attempts import masked

    shown = masked(outcome.attempts[0])
    assert b"wrong-password" not in shown.request_body


async def test_a_429_beyond_the_deadline_fails_at_once_as_rate_limited() -> None:
    async with twin_reader("business-central", timeout=2.0) as reader:
        reader.twin.set_fault("orders", "rate_limit", seconds=30)
        began = time.monotonic()
        outcome = await reader.orders()
    assert isinstance(outcome.error, ErpRateLimitedError)
    assert time.monotonic() - began < 2.0  # not waited out: 30 s does not fit a 2 s deadline
    assert outcome.attempts[-1].status == 429


async def test_a_20000_row_page_is_refused_by_the_row_cap() -> None:
    async with twin_reader("erpnext") as reader:
        reader.twin.set_fault("orders", "huge_page")
        outcome = await reader.orders()
    assert isinstance(outcome.error, ErpContractError)
    assert "rows for one page" in outcome.error.human or "larger than" in outcome.error.human


async def test_a_next_link_to_another_host_is_not_followed() -> None:
    async with twin_reader("sap-b1") as reader:
        reader.twin.set_fault("orders", "foreign_next_link")
        outcome = await reader.orders(page_size=30)
    assert isinstance(outcome.error, ErpSsrfError)
    assert "169.254.169.254" in outcome.error.human
    assert all("169.254" not in attempt.url for attempt in outcome.attempts)


async def test_an_invalid_odoo_key_is_unauthorized() -> None:
    async with twin_reader("odoo", token="expired-key") as reader:
        outcome = await reader.balance()
    assert isinstance(outcome.error, ErpUnauthorizedError)
    assert b"Invalid apikey" in outcome.attempts[-1].response_body


async def test_a_twin_contract_break_names_the_field_and_the_mapping_keeps_guarding() -> None:
    async with twin_reader("business-central") as reader:
        reader.twin.set_fault("orders", "contract_break")
        outcome = await reader.orders()
    assert isinstance(outcome.error, ErpContractError)
    assert "total" in outcome.error.human
