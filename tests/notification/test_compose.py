"""Header injection and bad addresses: refused or recorded, never sent as given."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.errors import ValidationFailed
from erpgate.notification.compose import OutgoingMail, validate_mail_settings
from tests.event.helpers import make_shop
from tests.notification.helpers import queue_error


@pytest.mark.parametrize(
    ("sender", "receivers", "field"),
    [
        ("alerts@acme.example.com\r\nBcc: all@evil.example", ["it@acme.example.com"], "sender"),
        ("alerts@acme.example.com", ["it@acme.example.com\nBcc: x@evil.example"], "receiver"),
    ],
)
def test_settings_with_line_breaks_are_refused(
    sender: str, receivers: list[str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_mail_settings(sender, receivers)
    assert refused.value.fields == {field: "Line breaks are not allowed."}


def test_a_subject_with_a_line_break_is_refused() -> None:
    mail = OutgoingMail(
        "a@acme.example.com", ("b@acme.example.com",), "Hi\nBcc: x@evil.example", "body", "<1@x>"
    )
    with pytest.raises(ValidationFailed) as refused:
        mail.to_email_message()
    assert refused.value.fields == {"subject": "Line breaks are not allowed."}


def test_a_malformed_receiver_is_named() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_mail_settings("a@acme.example.com", ["b@acme.example.com", "nope"])
    assert refused.value.fields == {"receivers": "Not a valid e-mail address: nope"}


async def test_a_stored_sender_with_a_line_break_becomes_a_failed_notification(
    db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, sender="alerts@acme.example.com\nBcc: x@evil.example")
    row = await queue_error(db, shop.store.id)
    assert row is not None
    assert row.status == "failed"
    assert row.last_error == "refused: The sender must be on one line."
    assert row.receivers == []


async def test_only_invalid_receivers_fail_the_notification(
    db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, receivers=["nope", "also nope"])
    row = await queue_error(db, shop.store.id)
    assert row is not None
    assert (row.status, row.last_error) == ("failed", "No valid receiver: nope, also nope")
