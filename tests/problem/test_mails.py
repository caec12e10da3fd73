"""A problem's e-mails under a frozen clock: one when it opens, reminders per throttle window while
it stays open and unacknowledged, one when it resolves; flaps and missing receivers handled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.endpoints import Endpoint
from erpgate.integration.service import load_live_integration
from erpgate.kit.clock import Clock
from erpgate.models.integration import Integration
from erpgate.models.notification import Notification
from erpgate.models.problem import Problem
from erpgate.problem import service as problem_service
from tests.event.helpers import make_shop
from tests.problem.helpers import Feeder

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def mails(db: AsyncSession) -> list[Notification]:
    query = (
        select(Notification)
        .order_by(Notification.created_at, Notification.kind)
        .execution_options(populate_existing=True)
    )
    return list((await db.execute(query)).scalars())


async def problem(db: AsyncSession) -> Problem:
    query = select(Problem).execution_options(populate_existing=True)
    return (await db.execute(query)).scalar_one()


async def test_one_mail_when_it_opens_reminders_per_window_and_one_when_resolved(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    feed = Feeder(app, shop, clock)

    await feed.fail()
    assert [m.kind for m in await mails(db)] == ["opened"]
    await feed.fail(37)  # over 6 minutes: inside the 15-minute window
    await feed.writer.housekeeping()
    assert [m.kind for m in await mails(db)] == ["opened"]

    clock.freeze(T0 + timedelta(minutes=16))
    await feed.writer.housekeeping()
    sent = await mails(db)
    assert [m.kind for m in sent] == ["opened", "reminder"]
    assert "Failures since the last e-mail: 37" in sent[1].body
    assert "Failures: 38" in sent[1].body

    await feed.writer.housekeeping()
    assert len(await mails(db)) == 2  # nothing new held back: no reminder

    feed.writer.board.resolve_after_successes = 2
    await feed.succeed(2)
    resolved = (await mails(db))[-1]
    assert resolved.kind == "resolved"
    assert resolved.subject == "ERP integration problem resolved: Orders URL"
    assert "works again (the ERP answered again)" in resolved.body
    assert (await problem(db)).state == "resolved"


async def test_the_opened_mail_names_the_problem_and_links_it(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()

    [mail] = await mails(db)
    row = await problem(db)
    assert mail.sender == "alerts@acme.example.com"
    assert mail.subject == "ERP integration problem: Orders URL — ERP did not answer within 5.0 s"
    assert mail.body == (
        "Calls to the ERP are failing: Orders URL.\n\n"
        "Error: ERP did not answer within 5.0 s (timeout)\n"
        "Customer accounts affected so far: 1\n"
        "Since: 2026-03-01 12:00:00 UTC\n"
        "Failures: 1\n"
        f"Problem: {row.code} — http://testserver/admin/problems/{row.id}\n\n"
        "Buyers see a calm message with a reference starting with the problem's code.\n"
        "You get one more e-mail when it is resolved; acknowledge it to stop reminders.\n"
    )
    assert "t0ken-secret" not in mail.body


async def test_acknowledging_mutes_reminders_but_not_the_resolution(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    feed = Feeder(app, shop, clock)
    await feed.fail(5)
    row = await problem(db)
    await problem_service.acknowledge(db, shop.store.id, row.id, shop.buyer.id, clock.now())
    await db.commit()
    await feed.fail(5)
    clock.freeze(T0 + timedelta(minutes=30))
    await feed.writer.housekeeping()
    assert [m.kind for m in await mails(db)] == ["opened"]

    clock.freeze(T0 + timedelta(minutes=45))  # 30 quiet minutes after the last failure
    await feed.writer.housekeeping()
    kinds = [m.kind for m in await mails(db)]
    row = await problem(db)
    assert kinds == ["opened", "resolved"]
    assert (row.state, row.resolved_by) == ("resolved", "quiet")


async def test_a_flap_within_the_window_sends_no_second_opened_mail(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    feed = Feeder(app, shop, clock)
    feed.writer.board.resolve_after_successes = 1
    await feed.fail()
    await feed.succeed(1)
    clock.advance(minutes=2)
    await feed.fail()  # reopens the same problem

    row = await problem(db)
    assert (row.state, row.episodes) == ("open", 2)
    assert [m.kind for m in await mails(db)] == ["opened", "resolved"]

    clock.freeze(T0 + timedelta(minutes=16))
    await feed.writer.housekeeping()  # the window passed: the reopening is announced now
    assert [m.kind for m in await mails(db)] == ["opened", "resolved", "opened"]


async def test_a_mail_nobody_can_receive_does_not_start_the_window(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings, receivers=[])
    clock.freeze(T0)
    feed = Feeder(app, shop, clock)
    await feed.fail()
    [skipped] = await mails(db)
    assert (skipped.status, skipped.last_error) == (
        "skipped",
        "No error notification receiver is configured.",
    )

    await db.execute(
        update(Integration)
        .where(Integration.store_id == shop.store.id)
        .values(notify_receivers=["it@acme.example.com"])
    )
    await db.commit()
    clock.advance(minutes=1)
    await feed.fail()  # within 15 minutes of the skipped one

    sent = await mails(db)
    assert [(m.kind, m.status) for m in sent] == [("opened", "skipped"), ("opened", "queued")]
    assert sent[1].receivers == ["it@acme.example.com"]


async def test_each_error_kind_is_its_own_problem(
    app: FastAPI, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    from erpgate.erp.errors import ErpUnauthorizedError

    shop = await make_shop(db, settings)
    clock.freeze(T0)
    feed = Feeder(app, shop, clock)
    await feed.fail()
    await feed.outcome(ErpUnauthorizedError("ERP refused the credentials (401)", status=401))
    await feed.writer.flush()

    kinds = sorted(p.kind for p in (await db.execute(select(Problem))).scalars())
    assert kinds == ["timeout", "unauthorized"]
    assert [m.kind for m in await mails(db)] == ["opened", "opened"]
    live = await load_live_integration(
        db, shop.store.id, app.state.erpgate.secret_box, app.state.erpgate.gateway.options
    )
    assert live.is_enabled(Endpoint.ORDERS) is False  # no URL needed: outcomes were fed by hand
