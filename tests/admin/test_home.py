"""The admin home's summary: open problems, each endpoint's state, the last notification; one
store's figures only, in a bounded number of queries."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.admin import service
from erpgate.admin.accounts import create_admin
from erpgate.erp.endpoints import Endpoint
from erpgate.kit.clock import Clock
from erpgate.models.notification import Notification
from erpgate.models.problem import Problem
from tests.admin.conftest import PASSWORD, World, erp_event, sign_in

ERP = "http://127.0.0.1:8100/erp"


def _problem(
    store_id: uuid.UUID,
    code: str,
    endpoint: str,
    state: str,
    at: datetime,
    last_seen: datetime | None = None,
) -> Problem:
    return Problem(
        store_id=store_id,
        code=code,
        endpoint=endpoint,
        kind="timeout",
        scope="endpoint",
        customer_key="",
        state=state,
        error=f"{code}: the ERP did not answer in time",
        first_seen=at,
        last_seen=last_seen or at,
        opened_at=at,
    )


def _notification(
    store_id: uuid.UUID, to: str, status: str, at: datetime, sent: datetime | None = None
) -> Notification:
    return Notification(
        store_id=store_id,
        kind="opened",
        endpoint="invoices",
        sender="alerts@example.com",
        receivers=[to],
        subject=f"ERP problem for {to}",
        body="The ERP did not answer.",
        status=status,
        next_attempt_at=at,
        message_id=f"<{uuid.uuid4().hex}@erpgate.test>",
        created_at=at,
        sent_at=sent,
    )


async def _arrange(world: World, db: AsyncSession, now: datetime) -> None:
    a, b = world.a.store.id, world.b.store.id
    db.add_all(
        [
            # Opened hours ago and failing still (a problem quiet for the policy's half hour
            # would be resolved by the writer's housekeeping).
            _problem(
                a,
                "AAAAA1",
                "invoices",
                "open",
                now - timedelta(hours=3),
                last_seen=now - timedelta(minutes=10),
            ),
            _problem(a, "AAAAA2", "balance", "open", now - timedelta(minutes=5)),
            _problem(a, "AAAAA3", "orders", "resolved", now - timedelta(minutes=1)),
            _problem(a, "AAAAA4", "taxes", "acknowledged", now - timedelta(minutes=1)),
            _problem(b, "BBBBB1", "invoices", "open", now),
        ]
    )
    events = [
        erp_event(a, "invoices", "success", now - timedelta(hours=1), 10.0, n) for n in range(3)
    ]
    events.append(erp_event(a, "invoices", "error", now - timedelta(hours=2), 10.0, 10))
    events.append(erp_event(a, "invoices", "error", now - timedelta(hours=30), 10.0, 11))  # too old
    events += [erp_event(b, "invoices", "error", now, 10.0, 20 + n) for n in range(7)]
    db.add_all(events)
    db.add_all(
        [
            _notification(a, "old@alpha.example", "sent", now - timedelta(hours=5)),
            _notification(
                a, "it@alpha.example", "sent", now - timedelta(hours=1), now - timedelta(minutes=59)
            ),
            _notification(b, "it@beta.example", "failed", now),
        ]
    )
    await db.commit()


async def test_the_home_sums_up_the_admins_own_store(
    world: World, client: httpx.AsyncClient, db: AsyncSession, clock: Clock, app: FastAPI
) -> None:
    now = clock.now().replace(minute=30, second=0, microsecond=0)
    clock.freeze(now)
    await _arrange(world, db, now)
    csrf = await sign_in(client, "owner@alpha.example")
    await client.post("/admin/apps/generic-erp/install", data={"csrf_token": csrf})
    saved = await client.post(
        "/admin/apps/generic-erp",
        data={
            "csrf_token": csrf,
            "auth_style": "bearer",
            "token": "secret-token-9876",
            "orders_url": f"{ERP}/orders",
            "invoices_url": f"{ERP}/invoices",
            "tax_failure_policy": "estimate",
            "stale_max_age_seconds": "3600",
            "notify_sender": "alerts@alpha.example",
            "notify_receivers": "it@alpha.example",
        },
    )
    assert saved.status_code == 303, saved.text
    paused = await client.post(
        "/api/v1/admin/health/orders/breaker",
        json={"action": "force_open"},
        headers={"x-csrf-token": csrf},
    )
    assert paused.status_code == 200, paused.text
    # The writer's housekeeping (resolving quiet problems) may run at any moment of the test:
    # run it here so the arranged problems are the ones it leaves open.
    await app.state.erpgate.services["outcome_writer"].housekeeping()

    page = (await client.get("/admin")).text

    # Open problems: the count and the latest, linked; acknowledged and resolved ones are not open.
    assert '<a class="value" href="/admin/problems?state=open">2</a> open' in page
    problems = page[page.index('id="summary-problems"') : page.index('id="summary-notification"')]
    assert problems.index("AAAAA2") < problems.index("AAAAA1")
    assert "AAAAA3" not in page and "AAAAA4" not in page and "BBBBB1" not in page
    assert 'href="/admin/problems">Developers › Problems</a>' in problems
    # Each endpoint: configured, breaker, calls and errors of the 24 h window, with links.
    invoices = _row(page, "invoices")
    assert '<span class="badge badge-ok">on</span>' in invoices
    assert '<span class="badge badge-ok">closed</span>' in invoices
    assert '<a href="/admin/events?endpoint=invoices">4</a>' in invoices
    assert '<a href="/admin/events?endpoint=invoices&amp;outcome=error">1</a>' in invoices
    assert 'href="/admin/health#health-invoices"' in invoices
    orders = _row(page, "orders")
    assert "paused by an operator" in orders
    balance = _row(page, "balance")
    assert '<span class="badge">off</span>' in balance
    assert '<a href="/admin/events?endpoint=balance">0</a>' in balance
    # The newest notification of this store, with its receivers and status.
    notification = page[
        page.index('id="summary-notification"') : page.index('id="summary-endpoints"')
    ]
    assert "it@alpha.example" in notification and "old@alpha.example" not in notification
    assert '<span class="badge badge-ok">sent</span>' in notification
    sent = now - timedelta(minutes=59)
    assert (
        f'<time datetime="{sent.isoformat()}" title="{sent:%Y-%m-%d %H:%M:%S} UTC">59 minutes ago</time>'
        in notification
    )
    assert 'href="/admin/notifications"' in notification
    assert "beta" not in page

    # The other store's admin sees its own figures only.
    await sign_in(client, "owner@beta.example")
    theirs = (await client.get("/admin")).text
    assert '<a class="value" href="/admin/problems?state=open">1</a> open' in theirs
    assert "BBBBB1" in theirs and "AAAAA" not in theirs
    assert '<a href="/admin/events?endpoint=invoices">7</a>' in _row(theirs, "invoices")
    assert '<span class="badge badge-ok">closed</span>' in _row(theirs, "orders")
    assert "it@beta.example" in theirs and "alpha.example" not in theirs
    assert '<span class="badge badge-bad">failed</span>' in theirs


def _row(page: str, endpoint: str) -> str:
    start = page.index(f'<tr id="summary-{endpoint}">')
    return page[start : page.index("</tr>", start)]


async def test_a_store_without_anything_says_so(world: World, client: httpx.AsyncClient) -> None:
    await sign_in(client, "support@alpha.example")
    page = (await client.get("/admin")).text
    assert '<a class="value" href="/admin/problems?state=open">0</a> open' in page
    assert "No open problem." in page
    assert "No notification yet." in page
    # Every endpoint has its row, and none is configured.
    assert page.count('<span class="badge">off</span>') == len(Endpoint)
    assert all(f'<tr id="summary-{e.value}">' in page for e in Endpoint)


async def test_the_summary_costs_the_same_few_queries_whatever_the_data(
    world: World, db: AsyncSession, engine: AsyncEngine, app: FastAPI, clock: Clock
) -> None:
    now = clock.now()
    stores = [world.a.store.id, world.b.store.id]
    await _arrange(world, db, now)
    state = app.state.erpgate
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        seen = []
        for store_id in stores:
            statements.clear()
            summary = await service.home_summary(
                db, store_id, gateway=state.gateway, box=state.secret_box, now=now
            )
            seen.append(
                (len(statements), summary.open_problems, [p.code for p in summary.latest_problems])
            )
            await db.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert seen == [(5, 2, ["AAAAA2", "AAAAA1"]), (5, 1, ["BBBBB1"])]


async def test_a_platform_operator_gets_the_links_alone(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    await create_admin(
        db, store_id=None, email="ops@platform.example", password=PASSWORD, role="platform"
    )
    await db.commit()
    await sign_in(client, "ops@platform.example")
    page = await client.get("/admin")
    assert page.status_code == 200
    assert 'id="summary-problems"' not in page.text
    assert 'href="/admin/health"' in page.text
