"""The outbox worker with real backends: file, SMTP sink, SES on moto; leases and retries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiobotocore.session import get_session
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.config import Settings
from erpgate.db.engine import create_session_factory
from erpgate.kit.clock import Clock
from erpgate.models.notification import Notification
from erpgate.notification.backends import FileBackend, MailBackend, SesBackend, SmtpBackend
from erpgate.notification.compose import OutgoingMail
from erpgate.notification.worker import OutboxPolicy, OutboxWorker
from tests.event.helpers import make_shop
from tests.notification.helpers import T0, queue_error
from tests.plugins.mail import MotoSes, SmtpSink, free_port


def make_worker(engine: AsyncEngine, backend: MailBackend, clock: Clock) -> OutboxWorker:
    return OutboxWorker(engine, create_session_factory(engine), backend, clock, OutboxPolicy())


async def reload(db: AsyncSession) -> Notification:
    db.expire_all()
    return (await db.execute(select(Notification))).scalar_one()


@pytest.fixture
def frozen() -> Clock:
    clock = Clock()
    clock.freeze(T0)
    return clock


async def test_file_backend_writes_an_eml(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, frozen: Clock
) -> None:
    shop = await make_shop(db, settings)
    await queue_error(db, shop.store.id)
    worker = make_worker(engine, FileBackend(settings.mail_dir), frozen)

    assert await worker.run_once() == 1

    row = await reload(db)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, T0)
    files = list(Path(settings.mail_dir).glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "To: it@acme.example.com" in text
    assert f"Message-ID: {row.message_id}" in text


async def test_smtp_sink_receives_the_mail_and_invalid_receivers_are_skipped(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, frozen: Clock, smtp_sink: SmtpSink
) -> None:
    shop = await make_shop(
        db, settings, receivers=["ops@acme.example.com", "not an address", "it@acme.example.com"]
    )
    await queue_error(db, shop.store.id, trace_id="5" * 32)
    smtp = settings.model_copy(update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port})

    await make_worker(engine, SmtpBackend(smtp), frozen).run_once()

    row = await reload(db)
    assert row.status == "sent"
    assert row.invalid_receivers == ["not an address"]
    assert row.last_error == "Not sent to invalid receiver(s): not an address"
    assert smtp_sink.envelopes == [
        ("alerts@acme.example.com", ["ops@acme.example.com", "it@acme.example.com"])
    ]
    message = smtp_sink.messages[0]
    assert message["Subject"] == row.subject
    assert "Problem: " + "5" * 32 in message.get_content()


async def test_smtp_down_is_retried_with_backoff_then_failed(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, frozen: Clock
) -> None:
    shop = await make_shop(db, settings)
    await queue_error(db, shop.store.id)
    down = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port()})
    worker = make_worker(engine, SmtpBackend(down), frozen)

    assert await worker.run_once() == 1
    row = await reload(db)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == T0 + timedelta(seconds=30)
    assert row.last_error is not None and row.last_error.startswith("SMTP server unreachable")
    assert await worker.run_once() == 0  # not due yet

    for expected_attempt in (2, 3, 4, 5):
        frozen.advance(hours=2)
        assert await worker.run_once() == 1
        assert (await reload(db)).attempts == expected_attempt
    row = await reload(db)
    assert row.status == "failed"
    assert row.last_error is not None and row.last_error.endswith("(gave up after 5 attempts)")


@pytest.fixture
def ses_settings(settings: Settings, moto_ses: MotoSes) -> Settings:
    """Settings whose SES client talks to the loopback moto server."""
    return settings.model_copy(
        update={
            "ses_region": moto_ses.region,
            "ses_endpoint_url": moto_ses.endpoint_url,
            "ses_access_key_id": "testing",
            "ses_secret_access_key": SecretStr("testing"),
        }
    )


async def test_ses_through_moto_sends_and_is_read_back(
    engine: AsyncEngine,
    db: AsyncSession,
    settings: Settings,
    ses_settings: Settings,
    frozen: Clock,
    moto_ses: MotoSes,
) -> None:
    async with get_session().create_client(
        "sesv2",
        region_name=moto_ses.region,
        endpoint_url=moto_ses.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as ses:
        await ses.create_email_identity(EmailIdentity="acme.example.com")
    shop = await make_shop(db, settings)
    await queue_error(db, shop.store.id)

    await make_worker(engine, SesBackend(ses_settings), frozen).run_once()

    row = await reload(db)
    assert row.status == "sent"
    assert row.provider_message_id
    [message] = moto_ses.sent_messages()
    assert message["subject"] == row.subject
    assert message["source"] == "alerts@acme.example.com"
    assert message["destinations"]["ToAddresses"] == ["it@acme.example.com"]
    assert "Customer account: C0004935" in message["body"]


async def test_ses_rejecting_an_unverified_sender_fails_with_the_reason(
    engine: AsyncEngine,
    db: AsyncSession,
    settings: Settings,
    ses_settings: Settings,
    frozen: Clock,
    moto_ses: MotoSes,
) -> None:
    shop = await make_shop(db, settings)
    await queue_error(db, shop.store.id)

    await make_worker(engine, SesBackend(ses_settings), frozen).run_once()

    row = await reload(db)
    assert row.status == "failed"
    assert row.attempts == 1
    assert row.last_error == (
        "SES MessageRejected: Email address not verified alerts@acme.example.com"
    )
    assert moto_ses.sent_messages() == []


async def test_a_worker_dying_after_its_claim_sends_exactly_once_after_the_lease(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, frozen: Clock, smtp_sink: SmtpSink
) -> None:
    shop = await make_shop(db, settings)
    await queue_error(db, shop.store.id)
    smtp = settings.model_copy(update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port})
    crashed = make_worker(engine, SmtpBackend(smtp), frozen)
    assert len(await crashed.claim()) == 1  # ... and the process dies before sending

    restarted = make_worker(engine, SmtpBackend(smtp), frozen)
    assert await restarted.run_once() == 0  # the lease still holds
    frozen.advance(seconds=301)
    assert await restarted.run_once() == 1
    assert await restarted.run_once() == 0

    row = await reload(db)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp_sink.messages) == 1


async def test_a_worker_dying_after_sending_is_not_repeated_by_the_file_backend(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, frozen: Clock
) -> None:
    shop = await make_shop(db, settings)
    await queue_error(db, shop.store.id)
    backend = FileBackend(settings.mail_dir)
    crashed = make_worker(engine, backend, frozen)
    [claimed] = await crashed.claim()
    await backend.send(
        OutgoingMail(
            claimed.row.sender,
            tuple(claimed.row.receivers),
            claimed.row.subject,
            claimed.row.body,
            claimed.row.message_id,
        )
    )  # sent, then the process died before recording it

    frozen.advance(seconds=301)
    restarted = make_worker(engine, backend, frozen)
    assert await restarted.run_once() == 1

    row = await reload(db)
    assert (row.status, row.provider_message_id) == ("sent", "already sent before a restart")
    assert len(list(Path(settings.mail_dir).glob("*.eml"))) == 1


async def test_two_workers_never_claim_the_same_row(
    engine: AsyncEngine, db: AsyncSession, settings: Settings, frozen: Clock
) -> None:
    shop = await make_shop(db, settings)
    for index in range(6):
        await queue_error(db, shop.store.id, kind=f"kind{index}")
    first = make_worker(engine, FileBackend(settings.mail_dir), frozen)
    second = make_worker(engine, FileBackend(settings.mail_dir), frozen)

    a = await first.claim(limit=4)
    b = await second.claim(limit=4)

    assert len(a) == 4 and len(b) == 2
    assert {c.row.id for c in a}.isdisjoint({c.row.id for c in b})
