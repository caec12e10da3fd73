"""Admin › Developers › Events pages and JSON API: filters, escaping, masking, store isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.db.engine import transaction
from erpgate.erp.attempts import AttemptRecord
from erpgate.erp.endpoints import Endpoint
from erpgate.event.repository import insert_events, insert_requests
from erpgate.outcomes.rows import request_row
from tests.event.helpers import attempt, make_shop, outcome_row, sign_in_admin

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def add_event(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    trace_id: str,
    endpoint: Endpoint = Endpoint.ORDERS,
    outcome: str = "success",
    code: str = "C0004935",
    at: datetime = T0,
    error: str = "",
) -> uuid.UUID:
    row = outcome_row(
        store_id,
        trace_id=trace_id,
        endpoint=endpoint,
        outcome=outcome,
        code=code,
        at=at,
        error=error,
    )
    await insert_events(db, [row])
    await db.commit()
    event_id: uuid.UUID = row["id"]
    return event_id


async def add_request(app: FastAPI, record: AttemptRecord) -> uuid.UUID:
    """Store a related request as the writer does (masked, capped)."""
    row = request_row(record, app.state.erpgate.settings.request_body_cap_bytes)
    async with transaction(app.state.erpgate.session_factory) as session:
        await insert_requests(session, [row])
    request_id: uuid.UUID = row["id"]
    return request_id


async def test_list_filters_and_search_by_reference_code(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)
    await add_event(db, shop.store.id, trace_id="abcdef0123456789" * 2, at=T0)
    await add_event(
        db,
        shop.store.id,
        trace_id="1234" * 8,
        endpoint=Endpoint.BALANCE,
        outcome="error",
        error="ERP answered 500",
        at=T0 + timedelta(hours=1),
    )
    await add_event(db, shop.store.id, trace_id="9" * 32, code="C010268", at=T0 - timedelta(days=3))

    everything = (await client.get("/api/v1/admin/events")).json()["items"]
    assert [e["trace_id"] for e in everything] == ["1234" * 8, "abcdef0123456789" * 2, "9" * 32]

    async def traces(**params: str) -> list[str]:
        answer = await client.get("/api/v1/admin/events", params=params)
        assert answer.status_code == 200
        return [e["trace_id"] for e in answer.json()["items"]]

    assert await traces(outcome="error") == ["1234" * 8]
    assert await traces(type="erp.balance.get") == ["1234" * 8]
    assert await traces(customer="C010268") == ["9" * 32]
    assert await traces(since="2026-03-01", until="2026-03-01") == [
        "1234" * 8,
        "abcdef0123456789" * 2,
    ]
    assert await traces(q="ABCD-EF01-2345") == ["abcdef0123456789" * 2]
    assert await traces(q="not a code") == []
    # The health page's chart links filter by endpoint.
    assert await traces(endpoint="balance") == ["1234" * 8]
    assert await traces(endpoint="balance", outcome="success") == []
    assert await traces(endpoint="orders") == ["abcdef0123456789" * 2, "9" * 32]
    unknown = await client.get("/api/v1/admin/events", params={"endpoint": "payroll"})
    assert unknown.status_code == 422
    assert set(unknown.json()["fields"]) == {"endpoint"}
    chart = await client.get("/admin/events", params={"endpoint": "balance", "outcome": "error"})
    assert "ERP answered 500" in chart.text and "abcdef0123456789" not in chart.text
    assert '<option value="balance" selected>' in chart.text

    page = await client.get("/admin/events", params={"outcome": "error"})
    assert page.status_code == 200
    assert "ERP answered 500" in page.text
    assert "abcdef0123456789" not in page.text


async def test_the_filters_offer_the_prices_and_inventory_endpoints_and_their_types(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    store_id = shop.store.id
    await add_event(db, store_id, trace_id="1" * 32, endpoint=Endpoint.PRICES, outcome="error")
    await add_event(db, store_id, trace_id="2" * 32, endpoint=Endpoint.INVENTORY)
    await sign_in_admin(client, db, store_id)

    page = await client.get("/admin/events", params={"endpoint": "prices", "outcome": "error"})
    stock = await client.get("/api/v1/admin/events", params={"type": "erp.inventory.get"})

    assert '<option value="prices" selected>Prices URL</option>' in page.text
    assert '<option value="inventory" >Inventory URL</option>' in page.text
    assert '<option value="erp.prices.get" >erp.prices.get</option>' in page.text
    assert '<option value="erp.inventory.get" >erp.inventory.get</option>' in page.text
    assert "1" * 12 in page.text and "2" * 12 not in page.text
    assert [e["trace_id"] for e in stock.json()["items"]] == ["2" * 32]


async def test_event_page_shows_payload_and_related_requests(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)
    trace = "f" * 32
    event_id = await add_event(db, shop.store.id, trace_id=trace)
    request_id = await add_request(app, attempt(shop.store.id, trace, request_id="req_visible"))

    page = await client.get(f"/admin/events/{event_id}")
    assert page.status_code == 200
    assert "Object Payload" in page.text
    assert "&#34;external_customer_id&#34;: &#34;C0004935&#34;" in page.text
    assert f'href="/admin/requests/{request_id}">req_visible</a>' in page.text
    assert "written within a second or so of the call" in page.text  # a storefront event

    api = (await client.get(f"/api/v1/admin/events/{event_id}")).json()
    assert [r["request_id"] for r in api["related_requests"]] == ["req_visible"]


async def test_a_success_whose_requests_were_sampled_out_says_so_and_how_to_see_them(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)
    row = outcome_row(shop.store.id, trace_id="e" * 32, requests_kept=False)
    await insert_events(db, [row])
    await db.commit()

    page = await client.get(f"/admin/events/{row['id']}")
    assert page.status_code == 200
    assert 'id="requests-not-kept"' in page.text
    # The page says the current rate (the tests' settings keep every success's requests).
    assert "keep theirs every time" in page.text
    assert "Login on storefront" in page.text
    assert "still being written" not in page.text
    api = (await client.get(f"/api/v1/admin/events/{row['id']}")).json()
    assert api["requests_kept"] is False
    assert api["related_requests"] == []


async def test_an_event_names_its_user_and_account_and_says_when_they_were_deleted(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)
    row = outcome_row(
        shop.store.id,
        trace_id="d" * 32,
        user_id=shop.buyer.id,
        customer_account_id=shop.account.id,
    )
    gone = outcome_row(
        shop.store.id, trace_id="c" * 32, user_id=uuid.uuid4(), customer_account_id=uuid.uuid4()
    )
    await insert_events(db, [row, gone])
    await db.commit()

    page = (await client.get(f"/admin/events/{row['id']}")).text
    assert f'<a href="/admin/customers/{shop.account.id}">Acme Industrial Supply</a>' in page
    assert "Bea Buyer" in page and shop.buyer.email in page
    assert str(shop.buyer.id) in page  # the documented event data still carries the ids
    deleted = (await client.get(f"/admin/events/{gone['id']}")).text
    assert deleted.count("deleted since") == 2


def test_a_sample_rate_is_said_in_words() -> None:
    from erpgate.event.service import share_in_words

    assert share_in_words(0.1) == "one time in 10"
    assert share_in_words(0.0) == "never"
    assert share_in_words(1.0) == "every time"
    assert share_in_words(0.3) == "30% of the time"


async def test_request_page_escapes_script_and_masks_secrets(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)
    hostile = b"<html><script>alert('erp')</script></html>"
    request_id = await add_request(
        app,
        attempt(
            shop.store.id,
            "e" * 32,
            response_body=hostile,
            response_headers=[("Content-Type", "text/html"), ("X-Note", "<script>x()</script>")],
        ),
    )

    page = await client.get(f"/admin/requests/{request_id}")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&#39;erp&#39;)&lt;/script&gt;" in page.text
    assert "&lt;script&gt;x()&lt;/script&gt;" in page.text
    assert "-H &#39;Authorization: ••••&#39;" in page.text  # copy as curl, masked
    assert "Replay" in page.text


async def test_deeply_nested_and_binary_bodies_render(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)
    nested = b"[" * 5000 + b"]" * 5000
    request_id = await add_request(
        app,
        attempt(shop.store.id, "d" * 32, response_body=nested, request_body=b"\xff\xfe\x00\x01"),
    )

    page = await client.get(f"/admin/requests/{request_id}")
    assert page.status_code == 200
    assert "[" * 5000 + "]" * 5000 in page.text  # shown as it came, not pretty-printed
    assert "Binary body, 4 bytes (not shown)." in page.text
    api = (await client.get(f"/api/v1/admin/requests/{request_id}")).json()
    assert api["request_body_encoding"] == "base64"
    assert api["curl"].endswith("# binary body not included")


async def test_another_stores_event_and_request_are_not_found(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    mine = await make_shop(db, settings, slug="mine")
    theirs = await make_shop(db, settings, slug="theirs")
    await sign_in_admin(client, db, mine.store.id)
    event_id = await add_event(db, theirs.store.id, trace_id="c" * 32)
    request_id = await add_request(app, attempt(theirs.store.id, "c" * 32))

    for path in (
        f"/admin/events/{event_id}",
        f"/admin/requests/{request_id}",
        f"/api/v1/admin/events/{event_id}",
        f"/api/v1/admin/requests/{request_id}",
    ):
        assert (await client.get(path)).status_code == 404, path
    assert (await client.get("/api/v1/admin/events")).json()["items"] == []


async def test_pages_need_a_signed_in_admin(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/admin/events")).status_code == 401
    page = await client.get("/admin/events")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/admin/login")
