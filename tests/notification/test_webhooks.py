"""Webhook alert routes: added with their URL checked, one signed POST per problem alert sent by
the outbox worker, retried on 500 and timeouts, refused for private addresses, never lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import orjson
import pytest
import standardwebhooks
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from erpgate.config import Settings
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.webhook import WebhookSender
from erpgate.kit.clock import Clock
from erpgate.models.alert_route import AlertRoute
from erpgate.models.audit_log import AuditLog
from erpgate.models.notification import Notification
from erpgate.models.problem import Problem
from erpgate.notification import webhooks
from erpgate.notification.worker import OutboxWorker, WebhookDelivery
from tests.erp.loopback import (
    LoopbackServer,
    answer_after,
    answer_json,
    answer_status,
    loopback_server,
)
from tests.event.helpers import make_shop, sign_in_admin
from tests.problem.helpers import Feeder

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The worker is driven by hand; the loopback receiver is the one private host allowed.
    return settings.model_copy(
        update={"run_worker_in_process": False, "webhook_allowed_private_hosts": ["127.0.0.1"]}
    )


@pytest.fixture
async def receiver() -> AsyncIterator[LoopbackServer]:
    async with loopback_server() as server:
        yield server


def worker_of(app: FastAPI) -> OutboxWorker:
    worker: OutboxWorker = app.state.erpgate.services["outbox_worker"]
    return worker


async def rows(db: AsyncSession, channel: str = "webhook") -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.channel == channel)
        .order_by(Notification.created_at, Notification.kind)
        .execution_options(populate_existing=True)
    )
    return list((await db.execute(query)).scalars())


async def add_route(
    client: httpx.AsyncClient, csrf: str, url: str, name: str = "#erp-alerts"
) -> httpx.Response:
    return await client.post(
        "/api/v1/admin/alert-routes",
        json={"name": name, "url": url},
        headers={"X-CSRF-Token": csrf},
    )


async def test_a_problem_alert_is_one_signed_post_with_a_slack_text(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    receiver: LoopbackServer,
) -> None:
    shop = await make_shop(db, settings, slug="acme")
    csrf = await sign_in_admin(client, db, shop.store.id)
    url = receiver.route("/hook", answer_json({"ok": True}))
    added = await add_route(client, csrf, url)
    assert added.status_code == 201, added.text
    secret = added.json()["secret"]
    assert secret.startswith("whsec_")
    stored = (await db.execute(select(AlertRoute))).scalar_one()
    assert secret not in stored.secret_encrypted  # encrypted at rest, like the Token
    assert "secret" not in (await client.get("/api/v1/admin/alert-routes")).json()["items"][0]

    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()
    [row] = await rows(db)
    assert (row.kind, row.status, row.receivers) == ("opened", "queued", ["#erp-alerts"])
    assert await worker_of(app).run_once() == 2  # the e-mail and the webhook

    [seen] = receiver.requests_to("/hook")
    headers = {k.lower(): v for k, v in seen.headers.items()}
    assert headers["webhook-id"] == row.message_id
    sent_at = int(clock.now().timestamp())
    assert headers["webhook-timestamp"] == str(sent_at)
    # The receiver's own check, with the Standard Webhooks library (its tolerance is 5 minutes
    # around now, so the frozen clock's timestamp is checked against a signature we recompute).
    assert headers["webhook-signature"] == webhooks.signature(
        secret, row.message_id, sent_at, seen.body
    )
    fresh = webhooks.signed_headers(
        secret, "msg_check", int(datetime.now(UTC).timestamp()), seen.body
    )
    assert standardwebhooks.Webhook(secret).verify(seen.body, fresh) is not None
    payload = orjson.loads(seen.body)
    assert payload["type"] == "problem.opened"
    assert payload["text"].startswith("[acme] Problem opened: Orders URL — ERP did not answer")
    problem = (await db.execute(select(Problem))).scalar_one()
    assert payload["data"]["problem"]["code"] == problem.code
    assert payload["data"]["problem"]["url"] == f"http://testserver/admin/problems/{problem.id}"
    [sent] = await rows(db)
    assert (sent.status, sent.provider_message_id) == ("sent", "HTTP 200")


async def test_a_receiver_answering_500_or_timing_out_is_retried_then_shown_failed(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    receiver: LoopbackServer,
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)
    failing = receiver.route("/500", answer_status(500))
    slow = receiver.route("/slow", answer_after(2.0, answer_json({})))
    assert (await add_route(client, csrf, failing, "failing")).status_code == 201
    assert (await add_route(client, csrf, slow, "slow")).status_code == 201
    worker = worker_of(app)
    assert worker.webhooks is not None
    worker.webhooks.sender.timeout_seconds = 0.2  # a receiver that never answers in time

    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()
    for attempt in range(1, worker.policy.max_attempts + 1):
        await worker.run_once()
        hooks = await rows(db)
        assert [h.attempts for h in hooks] == [attempt, attempt]
        if attempt < worker.policy.max_attempts:
            assert {h.status for h in hooks} == {"queued"}
            clock.advance(seconds=worker.policy.backoff(attempt).total_seconds())
    by_route = {h.receivers[0]: h for h in await rows(db)}
    assert by_route["failing"].status == "failed"
    assert by_route["failing"].last_error == (
        f"{failing}: answered 500 Internal Server Error (gave up after 5 attempts)"
    )
    assert by_route["slow"].status == "failed"
    assert (
        by_route["slow"].last_error == f"{slow}: no answer within 0.2 s (gave up after 5 attempts)"
    )
    assert len(receiver.requests_to("/500")) == 5
    listed = (await client.get("/api/v1/admin/notifications", params={"channel": "webhook"})).json()
    assert {item["status"] for item in listed["items"]} == {"failed"}


async def test_private_addresses_are_refused_when_saved_and_when_sent(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    engine: AsyncEngine,
    settings: Settings,
    clock: Clock,
    receiver: LoopbackServer,
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)
    refused = await add_route(client, csrf, "http://10.0.0.7/hook")
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"url": "Refused to call 10.0.0.7: private address."}
    assert (await add_route(client, csrf, "ftp://example.com/x")).status_code == 422
    assert (await add_route(client, csrf, "", name="")).json()["fields"].keys() == {"name", "url"}

    # A route allowed when saved, sent by a worker whose guard does not list the host (another
    # setting, or the name now resolving to a private address): refused at once, not retried.
    url = receiver.route("/hook", answer_json({}))
    assert (await add_route(client, csrf, url)).status_code == 201
    worker = worker_of(app)
    strict = WebhookSender(ErpClientOptions())
    worker.webhooks = WebhookDelivery(strict, app.state.erpgate.secret_box)
    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()
    await worker.run_once()
    await strict.close()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == f"{url}: refused: Refused to call 127.0.0.1: loopback address"
    assert receiver.requests_to("/hook") == []


async def test_a_webhook_route_counts_as_a_receiver_for_the_throttle(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    receiver: LoopbackServer,
) -> None:
    """No e-mail receiver: without a route the opening is not announced (the next failure will
    be); with a route it is, and the throttle window starts."""
    shop = await make_shop(db, settings, sender=None, receivers=[])
    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()
    problem = (
        await db.execute(select(Problem).execution_options(populate_existing=True))
    ).scalar_one()
    assert (problem.announced, problem.last_mailed_at) == (False, None)
    assert [(m.status, m.kind) for m in await rows(db, "email")] == [("skipped", "opened")]

    csrf = await sign_in_admin(client, db, shop.store.id)
    assert (
        await add_route(client, csrf, receiver.route("/hook", answer_json({})))
    ).status_code == 201
    clock.advance(seconds=60)
    await Feeder(app, shop, clock).fail()
    problem = (
        await db.execute(select(Problem).execution_options(populate_existing=True))
    ).scalar_one()
    assert problem.announced is True and problem.last_mailed_at is not None
    assert [h.kind for h in await rows(db)] == ["opened"]


async def test_send_test_alert_goes_through_the_outbox_and_is_audited(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    receiver: LoopbackServer,
) -> None:
    shop = await make_shop(db, settings, slug="acme")
    csrf = await sign_in_admin(client, db, shop.store.id)
    url = receiver.route("/hook", answer_json({}))
    route_id = (await add_route(client, csrf, url)).json()["id"]
    page = await client.get("/admin/alerts")
    assert "Send test alert" in page.text and url in page.text

    queued = await client.post(
        f"/api/v1/admin/alert-routes/{route_id}/test", headers={"X-CSRF-Token": csrf}
    )
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    await worker_of(app).run_once()
    [seen] = receiver.requests_to("/hook")
    assert orjson.loads(seen.body)["text"] == (
        "[acme] Test alert from erpgate to the route '#erp-alerts': it works."
    )
    actions = (await db.execute(select(AuditLog.action))).scalars().all()
    assert {"alert_route.added", "alert_route.tested"} <= set(actions)
    removed = await client.delete(
        f"/api/v1/admin/alert-routes/{route_id}", headers={"X-CSRF-Token": csrf}
    )
    assert removed.status_code == 200
    assert (await client.get("/api/v1/admin/alert-routes")).json()["items"] == []


async def test_a_webhook_urls_token_is_encrypted_and_never_shown(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    receiver: LoopbackServer,
) -> None:
    """Chat services put the token in the URL (hooks.slack.com/services/T…/B…/<token>): whoever
    reads it can post to the channel. Stored encrypted; pages, API, audit log and the
    notifications list show only the host and first path segment; the POST still reaches it."""
    token = "XoxbSlackToken1234567890"
    shop = await make_shop(db, settings, slug="acme")
    csrf = await sign_in_admin(client, db, shop.store.id)
    url = receiver.route(f"/services/T01/B02/{token}", answer_status(500))
    added = await add_route(client, csrf, url + "?channel=erp")
    assert added.status_code == 201, added.text
    assert token not in added.text
    assert added.json()["url"] == receiver.url("/services/••••?••••")

    stored = (await db.execute(select(AlertRoute))).scalar_one()
    assert token not in stored.url_encrypted
    assert token not in stored.url_shown
    page = await client.get("/admin/alerts")
    assert page.status_code == 200
    assert token not in page.text
    assert "/services/••••" in page.text
    assert token not in (await client.get("/api/v1/admin/alert-routes")).text
    audit = (await db.execute(select(AuditLog))).scalars().all()
    assert audit and all(token not in str(entry.details) for entry in audit)

    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()
    await worker_of(app).run_once()
    assert len(receiver.requests_to(f"/services/T01/B02/{token}")) == 1  # sent to the real URL
    [row] = await rows(db)
    assert row.status == "queued"  # the 500 is retried
    assert row.last_error is not None and token not in row.last_error
    assert "/services/••••" in row.last_error
