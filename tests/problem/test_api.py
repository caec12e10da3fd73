"""The problems JSON API and pages: filters, a buyer's reference, acknowledge and resolve (CSRF,
roles, audit), bad filters, and stores kept apart."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpContractError
from erpgate.kit.clock import Clock
from erpgate.kit.references import format_reference
from erpgate.models.audit_log import AuditLog
from erpgate.models.notification import Notification
from tests.event.helpers import make_shop, sign_in_admin
from tests.problem.helpers import Feeder

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_the_list_filters_and_finds_a_buyers_reference(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    orders = Feeder(app, shop, clock)
    invoices = Feeder(app, shop, clock, Endpoint.INVOICES)
    await orders.fail(3)
    failure = await invoices.outcome(ErpContractError("Answer broke the contract: data is missing"))
    await invoices.writer.flush()
    await sign_in_admin(client, db, shop.store.id, role="support")

    everything = (await client.get("/api/v1/admin/problems")).json()
    by_endpoint = (await client.get("/api/v1/admin/problems?endpoint=invoices")).json()
    found = (await client.get(f"/api/v1/admin/problems?q={failure.reference}")).json()

    assert [(p["endpoint"], p["kind"], p["count"]) for p in everything["items"]] == [
        ("invoices", "contract", 1),  # the latest failing first
        ("orders", "timeout", 3),
    ]
    orders_problem = everything["items"][1]
    assert set(orders_problem) >= {
        "id",
        "state",
        "endpoint",
        "kind",
        "count",
        "customers",
        "first_seen",
        "last_seen",
        "sample_event_ids",
    }
    assert (orders_problem["state"], orders_problem["customers"]) == ("open", 1)
    assert orders_problem["scope"] == "endpoint" and orders_problem["customer_code"] is None
    assert [p["endpoint"] for p in by_endpoint["items"]] == ["invoices"]
    assert by_endpoint["items"][0]["customer_code"] == "C0004935"  # one customer's contract break
    assert [p["id"] for p in found["items"]] == [by_endpoint["items"][0]["id"]]
    assert found["items"][0]["occurred_at"] == failure.started_at.isoformat().replace("+00:00", "Z")
    one = (await client.get(f"/api/v1/admin/problems/{orders_problem['id']}")).json()
    assert one == {**orders_problem, "occurred_at": None}


async def test_the_page_filters_a_failing_prices_or_inventory_endpoint_by_its_label(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    await Feeder(app, shop, clock, Endpoint.PRICES).fail()
    await Feeder(app, shop, clock, Endpoint.INVENTORY).fail(2)
    await sign_in_admin(client, db, shop.store.id, role="support")

    prices = await client.get("/admin/problems", params={"endpoint": "prices"})
    inventory = (await client.get("/api/v1/admin/problems?endpoint=inventory")).json()

    assert '<option value="prices" selected>Prices URL</option>' in prices.text
    assert '<option value="inventory" >Inventory URL</option>' in prices.text
    assert '<td data-label="Endpoint">prices</td>' in prices.text
    assert '<td data-label="Endpoint">inventory</td>' not in prices.text
    assert [(p["endpoint"], p["count"]) for p in inventory["items"]] == [("inventory", 2)]


async def test_a_reference_lost_with_its_event_still_finds_its_problem(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()
    await sign_in_admin(client, db, shop.store.id)
    [problem] = (await client.get("/api/v1/admin/problems")).json()["items"]
    # A repeat whose event was still in memory when the app was killed: only its reference.
    lost = format_reference(problem["code"], datetime(2026, 3, 1, 12, 5, 7, 250_000, tzinfo=UTC))

    found = (await client.get("/api/v1/admin/problems", params={"q": lost.lower()})).json()
    page = await client.get("/admin/problems", params={"q": lost})

    assert [p["id"] for p in found["items"]] == [problem["id"]]
    assert found["items"][0]["occurred_at"] == "2026-03-01T12:05:07.250000Z"
    assert "your reference: 2026-03-01 12:05 UTC" in page.text


async def test_acknowledge_and_resolve_need_csrf_and_the_capability_and_are_audited(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    clock.freeze(T0)
    feed = Feeder(app, shop, clock)
    await feed.fail()
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")
    [problem] = (await client.get("/api/v1/admin/problems")).json()["items"]
    path = f"/api/v1/admin/problems/{problem['id']}"

    assert (await client.post(f"{path}/acknowledge")).status_code == 403  # no CSRF token
    acknowledged = await client.post(f"{path}/acknowledge", headers={"X-CSRF-Token": csrf})
    resolved = await client.post(f"{path}/resolve", headers={"X-CSRF-Token": csrf})
    again = await client.post(f"{path}/acknowledge", headers={"X-CSRF-Token": csrf})

    assert acknowledged.status_code == 200 and acknowledged.json()["state"] == "acknowledged"
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    assert resolved.json()["resolved_by"].startswith("developer-")
    assert again.status_code == 409
    actions = (await db.execute(select(AuditLog.action).order_by(AuditLog.occurred_at))).all()
    assert [a for (a,) in actions if a.startswith("problem.")] == [
        "problem.acknowledged",
        "problem.resolved",
    ]
    kinds = (await db.execute(select(Notification.kind))).scalars().all()
    assert sorted(kinds) == ["opened", "resolved"]

    support = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with support:
        support_csrf = await sign_in_admin(support, db, shop.store.id, role="support")
        refused = await support.post(f"{path}/resolve", headers={"X-CSRF-Token": support_csrf})
        assert refused.status_code == 403
        page = await support.get(f"/admin/problems/{problem['id']}")
        assert page.status_code == 200 and ">Acknowledge</button>" not in page.text


async def test_bad_filters_are_named_and_another_stores_problem_is_not_found(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    shop = await make_shop(db, settings)
    other = await make_shop(db, settings, slug="other")
    clock.freeze(T0)
    await Feeder(app, shop, clock).fail()
    csrf = await sign_in_admin(client, db, other.store.id)

    bad = await client.get("/api/v1/admin/problems?state=broken&endpoint=nope")
    listed = (await client.get("/api/v1/admin/problems")).json()
    async with app.state.erpgate.session_factory() as session:
        from erpgate.models.problem import Problem

        theirs = (await session.execute(select(Problem.id))).scalar_one()
    hidden = await client.get(f"/api/v1/admin/problems/{theirs}")
    poked = await client.post(
        f"/api/v1/admin/problems/{theirs}/resolve", headers={"X-CSRF-Token": csrf}
    )
    not_a_uuid = await client.get("/api/v1/admin/problems/not-a-uuid")

    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"state", "endpoint"}
    assert listed["items"] == []
    assert (hidden.status_code, poked.status_code) == (404, 404)
    assert not_a_uuid.status_code == 422
