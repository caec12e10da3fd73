"""Admin › Developers › Deliveries pages: the list with its filters and paging, a delivery's
page, retry and cancel forms with their roles, CSRF and audit entries, and store isolation."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.delivery import endpoints
from erpgate.kit.clock import Clock
from erpgate.models.audit_log import AuditLog
from erpgate.models.order_delivery import OrderDelivery
from tests.admin.conftest import World, sign_in, world
from tests.delivery.helpers import NOW, add_delivery, settings_without_worker

# The fixtures this module uses: the admin's two stores, an app without a delivery worker.
__all__ = ["settings_without_worker", "world"]

LIST = "/admin/deliveries"


def order_numbers(html: str) -> list[str]:
    return re.findall(r'<td data-label="Order"><a href="/admin/deliveries/[^"]+">([^<]+)</a>', html)


def cell(html: str, number: str, label: str) -> str:
    """One cell's text in the row of order ``number``."""
    row = re.search(rf"<tr>\s*<td data-label=\"Order\"><a[^>]*>{number}</a>.*?</tr>", html, re.S)
    assert row is not None, number
    found = re.search(rf'<td data-label="{label}"[^>]*>(.*?)</td>', row.group(0), re.S)
    assert found is not None, label
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.fixture
async def three(db: AsyncSession, world: World) -> dict[str, OrderDelivery]:
    store = world.a.store.id
    rows = {
        "sent": await add_delivery(
            db,
            store,
            "W-SENT",
            "sent",
            minutes_ago=30,
            erp_order_id="SO-77",
            erp_order_number="77",
            erp_status="Open",
            last_reference="0af7651916cd43dd8448eb211c80319c",
            sent_at=NOW - timedelta(minutes=29),
            finished_at=NOW - timedelta(minutes=29),
        ),
        "failed": await add_delivery(
            db,
            store,
            "W-FAILED",
            "failed",
            minutes_ago=20,
            customer_code="C-OTHER",
            attempts=12,
            last_error="The ERP did not answer in time",
            last_reference="ABCD-1234-EF56",
            finished_at=NOW - timedelta(minutes=1),
        ),
        "queued": await add_delivery(db, store, "W-QUEUED", "queued", minutes_ago=10, attempts=0),
    }
    await add_delivery(db, world.b.store.id, "W-BETA", "failed", customer_code="C-BETA")
    await db.commit()
    return rows


async def test_the_list_shows_each_delivery_newest_first(
    client: httpx.AsyncClient, world: World, three: dict[str, OrderDelivery]
) -> None:
    await sign_in(client, "support@alpha.example")  # read-only: may look
    page = await client.get(LIST)
    assert page.status_code == 200
    html = page.text
    assert order_numbers(html) == ["W-QUEUED", "W-FAILED", "W-SENT"]  # never beta's
    assert cell(html, "W-SENT", "State") == "sent"
    assert cell(html, "W-SENT", "ERP number") == "77"
    assert cell(html, "W-SENT", "Next attempt / finished") == "2026-11-30 11:31 UTC"
    assert cell(html, "W-FAILED", "Customer") == "C-OTHER"
    assert cell(html, "W-FAILED", "Attempts") == "12"
    assert cell(html, "W-FAILED", "Last error") == "The ERP did not answer in time"
    assert cell(html, "W-QUEUED", "Next attempt / finished") == "next 2026-11-30 12:05 UTC"
    assert (
        '<a class="reference" href="/admin/events?q=0af7651916cd43dd8448eb211c80319c">'
        "0af7651916cd43dd8448eb211c80319c</a>"
    ) in html
    assert '<a class="reference" href="/admin/events?q=ABCD-1234-EF56">ABCD-1234-EF56</a>' in html
    assert '<p id="delivery-counts">' in html
    assert 'href="/admin/orders-placed/export.csv"' not in html  # a form, not a bare link
    assert 'action="/admin/orders-placed/export.csv"' in html


async def test_filters_by_state_and_search(
    client: httpx.AsyncClient, world: World, three: dict[str, OrderDelivery]
) -> None:
    await sign_in(client, "support@alpha.example")
    cases = [
        ({"state": "failed"}, ["W-FAILED"]),
        ({"state": "cancelled"}, []),
        ({"q": "77"}, ["W-SENT"]),  # the ERP's number
        ({"q": "c-other"}, ["W-FAILED"]),  # a customer code, any case
        ({"q": "w-queued"}, ["W-QUEUED"]),  # the store's number
        ({"q": "W-BETA"}, []),  # another store's
        ({"q": "W-", "state": "sent"}, ["W-SENT"]),
    ]
    for params, expected in cases:
        page = await client.get(LIST, params=params)
        assert page.status_code == 200
        assert order_numbers(page.text) == expected, params
    bad = await client.get(LIST, params={"state": "lost"}, headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"state": f"One of {', '.join(endpoints.STATES)}."}


async def test_pages_of_the_list_keep_the_filters(
    client: httpx.AsyncClient, world: World, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(endpoints, "PAGE_SIZE", 2)
    for n in range(5):
        await add_delivery(db, world.a.store.id, f"W-{n}", "failed", minutes_ago=n)
    await db.commit()
    await sign_in(client, "developer@alpha.example")
    first = (await client.get(LIST, params={"state": "failed"})).text
    assert order_numbers(first) == ["W-0", "W-1"]
    assert '<a href="?state=failed&amp;page=2">Older</a>' in first
    third = (await client.get(LIST, params={"state": "failed", "page": 3})).text
    assert order_numbers(third) == ["W-4"]
    assert "Older</a>" not in third and '<a href="?state=failed&amp;page=2">Newer</a>' in third


async def test_a_deliverys_page_shows_its_reasons_request_and_history(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    reasons = [
        {
            "field": "lines[0].sku",
            "message": "SKU <5620> blocked",
            "buyer_message": "No longer sold.",
        },
        {"field": "customer_code", "message": "Credit hold", "buyer_message": None},
    ]
    row = await add_delivery(
        db,
        world.a.store.id,
        "W-REJ",
        "rejected",
        attempts=2,
        reasons=reasons,
        last_error="The ERP refused the order",
        last_reference="ABCD-1234-EF56",
        finished_at=NOW,
    )
    await db.commit()
    await sign_in(client, "support@alpha.example")
    page = await client.get(f"{LIST}/{row.id}")
    assert page.status_code == 200
    html = page.text
    assert '<span id="delivery-state" class="badge badge-bad">rejected</span>' in html
    assert '<span id="delivery-attempts">2</span>' in html
    assert '<p class="notice" id="delivery-error">The ERP refused the order</p>' in html
    assert (
        '<tr><td data-label="Field">lines[0].sku</td><td data-label="For staff">SKU &lt;5620&gt; '
        'blocked</td><td data-label="For the buyer">No longer sold.</td></tr>'
    ) in html
    pretty = (
        '{\n  "customer_code": "C-ALPHA",\n  "order_reference": "W-1",\n  "lines": [\n'
        '    {\n      "sku": "5620",\n      "quantity": 2\n    }\n  ]\n}'
    ).replace('"', "&#34;")
    assert f'<pre id="delivery-request">{pretty}</pre>' in html
    for label, value in (("Placed", "2026-11-30 12:00 UTC"), ("Finished", "2026-11-30 12:00 UTC")):
        assert f'<div class="muted">{label}</div>{value}</div>' in html
    assert 'href="/admin/events?q=ABCD-1234-EF56"' in html
    # Support reads; only operators see the buttons.
    assert 'id="retry"' not in html and 'id="cancel"' not in html
    await sign_in(client, "developer@alpha.example")
    operator = (await client.get(f"{LIST}/{row.id}")).text
    assert 'id="retry"' in operator and 'id="cancel"' not in operator  # rejected: final


async def test_another_stores_delivery_is_not_found(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    beta = await add_delivery(db, world.b.store.id, "W-BETA", "failed", customer_code="C-BETA")
    await db.commit()
    csrf = await sign_in(client, "owner@alpha.example")
    assert (await client.get(f"{LIST}/{beta.id}")).status_code == 404
    assert (await client.get(f"{LIST}/{uuid.uuid4()}")).status_code == 404
    for action in ("retry", "cancel"):
        answer = await client.post(f"{LIST}/{beta.id}/{action}", data={"csrf_token": csrf})
        assert answer.status_code == 404
    await db.refresh(beta)
    assert beta.state == "failed"


async def test_retry_form_sends_it_again_with_the_stores_window_and_is_audited(
    client: httpx.AsyncClient, world: World, db: AsyncSession, clock: Clock
) -> None:
    clock.freeze(NOW)
    row = await add_delivery(
        db,
        world.a.store.id,
        "W-RETRY",
        "failed",
        attempts=9,
        finished_at=NOW,
        reasons=[{"field": "x", "message": "y", "buyer_message": None}],
    )
    await db.commit()
    csrf = await sign_in(client, "developer@alpha.example")

    answer = await client.post(f"{LIST}/{row.id}/retry", data={"csrf_token": csrf})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/admin/deliveries/{row.id}"
    await db.refresh(row)
    # No integration installed: the default window of 24 hours.
    assert (row.state, row.next_attempt_at, row.give_up_at, row.finished_at, row.reasons) == (
        "queued",
        NOW,
        NOW + timedelta(hours=24),
        None,
        [],
    )
    entry = (await db.execute(select(AuditLog))).scalar_one()
    assert (entry.action, entry.admin_email, entry.subject) == (
        "order_delivery.retried",
        "developer@alpha.example",
        "order W-RETRY (C-ALPHA)",
    )
    assert entry.details == {
        "delivery_id": str(row.id),
        "from_state": "failed",
        "to_state": "queued",
    }


async def test_cancel_form_stops_a_waiting_delivery_and_is_audited(
    client: httpx.AsyncClient, world: World, db: AsyncSession, clock: Clock
) -> None:
    clock.freeze(NOW)
    row = await add_delivery(db, world.a.store.id, "W-STOP", "queued")
    await db.commit()
    csrf = await sign_in(client, "admin@alpha.example")

    answer = await client.post(f"{LIST}/{row.id}/cancel", data={"csrf_token": csrf})

    assert answer.status_code == 303
    await db.refresh(row)
    assert (row.state, row.finished_at) == ("cancelled", NOW)
    entry = (await db.execute(select(AuditLog))).scalar_one()
    assert (entry.action, entry.subject) == ("order_delivery.cancelled", "order W-STOP (C-ALPHA)")
    assert entry.details["from_state"] == "queued"


async def test_forms_refuse_support_and_a_missing_csrf_token(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    row = await add_delivery(db, world.a.store.id, "W-KEEP", "failed")
    await db.commit()
    support_csrf = await sign_in(client, "support@alpha.example")
    for action in ("retry", "cancel"):
        refused = await client.post(f"{LIST}/{row.id}/{action}", data={"csrf_token": support_csrf})
        assert refused.status_code == 403
        assert "Your role does not allow this." in refused.text
    await sign_in(client, "developer@alpha.example")
    for action in ("retry", "cancel"):
        forged = await client.post(f"{LIST}/{row.id}/{action}", data={"csrf_token": "forged"})
        assert forged.status_code == 403
        without = await client.post(f"{LIST}/{row.id}/{action}")
        assert without.status_code == 403
    await db.refresh(row)
    assert row.state == "failed"
    assert (await db.execute(select(AuditLog))).scalars().all() == []


async def test_a_form_on_a_delivery_that_cannot_take_it_is_a_conflict(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    sent = await add_delivery(db, world.a.store.id, "W-DONE", "sent", erp_order_number="77")
    await db.commit()
    csrf = await sign_in(client, "developer@alpha.example")
    answer = await client.post(f"{LIST}/{sent.id}/retry", data={"csrf_token": csrf})
    assert answer.status_code == 409
    assert "A delivery that is sent cannot be retried." in answer.text


async def test_the_pages_need_a_signed_in_admin(
    client: httpx.AsyncClient, world: World, three: dict[str, OrderDelivery]
) -> None:
    answer = await client.get(LIST)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin/deliveries"
    detail = await client.get(f"{LIST}/{three['sent'].id}", headers={"Accept": "application/json"})
    assert detail.status_code == 401


async def test_deliveries_are_linked_from_the_admin_nav_and_home(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, "support@alpha.example")
    home = (await client.get("/admin")).text
    assert (
        '<a href="/admin/deliveries"><span class="nav-context">Developers › </span>Deliveries</a>'
    ) in home
    assert '<a class="card" href="/admin/deliveries">Developers › Deliveries' in home
