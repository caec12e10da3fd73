"""Related requests exported from Events as a fixture file for `erpgate check-erp --fixtures`."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth.cookies import ADMIN_COOKIE
from erpgate.config import Settings
from erpgate.conformance import fixtures as conformance_fixtures
from erpgate.erp.adapters.profile import parse_profile
from erpgate.erp.endpoints import Endpoint
from erpgate.event import fixtures
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.audit_log import AuditLog
from erpgate.models.event import Event
from erpgate.models.related_request import RelatedRequest
from tests.event.helpers import Shop, attempt, make_shop, sign_in_admin
from tests.event.test_pages import add_event, add_request
from tests.outcomes.helpers import live_of, read_orders, writer_of
from tests.plugins.mock_erp import MockErpFactory

API = "/api/v1/admin/events/fixtures"


async def _contract_event(
    app: FastAPI, db: AsyncSession, shop: Shop
) -> tuple[Event, RelatedRequest]:
    """One orders read through the store's contract URL, stored as the writer stores it."""
    outcome = await read_orders(app, await live_of(app, db, shop), shop)
    await writer_of(app).flush()
    event = (await db.execute(select(Event).where(Event.trace_id == outcome.trace_id))).scalar_one()
    row = (
        await db.execute(select(RelatedRequest).where(RelatedRequest.trace_id == event.trace_id))
    ).scalar_one()
    return event, row


async def _export(client: httpx.AsyncClient, csrf: str, **body: Any) -> httpx.Response:
    return await client.post(API, json=body, headers={"X-CSRF-Token": csrf})


async def test_a_contract_url_event_exports_as_one_fixture(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings, erp_urls=mock_erp.urls)
    event, row = await _contract_event(app, db, shop)
    csrf = await sign_in_admin(client, db, shop.store.id, role="support")

    answer = await _export(client, csrf, related_request_ids=[str(row.id)])

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    today = app.state.erpgate.clock.now().strftime("%Y-%m-%d")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="erpgate-fixtures-{today}.json"'
    )
    path = mock_erp.urls["orders"].split("//", 1)[1].split("/", 1)[1]
    assert answer.json() == {
        "format": "erpgate-fixtures/1",
        "fixtures": [
            {
                "name": f"orders {event.id.hex[:8]} POST /{path}",
                "endpoint": "orders",
                "request": {"customer_code": "C0004935", "page": 1, "page_size": 20},
                "answer": orjson.loads(row.response_body or ""),
            }
        ],
    }
    audit = (await db.execute(select(AuditLog))).scalars().all()
    assert [(a.action, a.subject) for a in audit] == [("events.fixtures_exported", "1 fixture(s)")]


async def test_an_exported_file_maps_offline_with_check_erp_fixtures(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    mock_erp: MockErpHandle,
    tmp_path: Path,
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings, erp_urls=mock_erp.urls)
    _event, row = await _contract_event(app, db, shop)
    csrf = await sign_in_admin(client, db, shop.store.id)
    exported = await _export(client, csrf, related_request_ids=[str(row.id)])
    file = tmp_path / "fixtures.json"
    file.write_bytes(exported.content)
    # The answer is already contract JSON: a profile that maps it as it is.
    identity = parse_profile(
        {
            "name": "identity",
            "base_url": "https://erp.example.com/",
            "auth": {"driver": "bearer"},
            "endpoints": {
                "orders": {
                    "path": "orders",
                    "paging": {"style": "offset_limit", "rows": "data"},
                    "mapping": '{"data": data, "meta": meta}',
                }
            },
        }
    )

    results = await conformance_fixtures.check_fixtures(
        identity, conformance_fixtures.read_fixtures(file)
    )

    assert [(r.passed, r.sentence) for r in results] == [
        (True, f"maps to a valid contract answer ({len(results[0].mapped['data'])} rows)")
    ]
    recorded = orjson.loads(row.response_body or "")
    assert results[0].mapped == {"data": recorded["data"], "meta": recorded["meta"]}
    assert fixtures.FORMAT == conformance_fixtures.FORMAT


async def test_no_secret_reaches_an_export(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    mock_erp_factory: MockErpFactory,
) -> None:
    token = "tok-Export/secret+42"  # the test ERP's credential
    erp = await mock_erp_factory(auth_style="bearer", token=token, faults=["*=echo_credentials"])
    shop = await make_shop(db, settings, erp_urls=erp.urls, token=token)
    _event, row = await _contract_event(app, db, shop)
    csrf = await sign_in_admin(client, db, shop.store.id)

    answer = await _export(client, csrf, related_request_ids=[str(row.id)])

    assert answer.status_code == 200, answer.text
    assert "••••" in answer.text  # the echo arrived, masked when it was stored
    session_cookie = client.cookies[ADMIN_COOKIE]
    for secret in (token, "tok-Export", session_cookie, csrf):
        assert secret not in answer.text


async def test_more_than_100_ids_are_refused(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings)
    csrf = await sign_in_admin(client, db, shop.store.id)
    ids = [str(uuid.uuid4()) for _ in range(101)]

    too_many = await _export(client, csrf, related_request_ids=ids)
    none = await _export(client, csrf, related_request_ids=[])

    assert too_many.status_code == 422
    assert too_many.json()["message"] == "At most 100 requests can be exported at once."
    assert none.status_code == 422
    assert none.json()["message"] == "Choose at least one related request to export."


async def test_another_stores_ids_are_unknown(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings, erp_urls=mock_erp.urls)
    event, row = await _contract_event(app, db, shop)
    other = await make_shop(db, app.state.erpgate.settings, slug="other")
    csrf = await sign_in_admin(client, db, other.store.id)

    answer = await _export(
        client, csrf, related_request_ids=[str(row.id)], event_ids=[str(event.id)]
    )

    assert answer.status_code == 422
    assert answer.json() == {
        "error": "not_found",
        "message": f"Unknown related request or event id(s): {row.id}, {event.id}.",
    }
    assert (await db.execute(select(AuditLog))).scalars().all() == []


async def test_a_request_whose_answer_is_not_json_is_refused_by_name(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings)
    await add_event(db, shop.store.id, trace_id="cd" * 16)
    html = attempt(
        shop.store.id,
        "cd" * 16,
        response_body=b"<html>Bad gateway</html>",
        response_headers=[("Content-Type", "text/html")],
        request_id="req_html0001",
    )
    request_id = await add_request(app, html)
    csrf = await sign_in_admin(client, db, shop.store.id)

    answer = await _export(client, csrf, related_request_ids=[str(request_id)])

    assert answer.status_code == 422
    assert answer.json()["message"] == (
        "These requests cannot be exported: req_html0001 (its answer is not JSON)."
    )


async def test_every_request_that_cannot_be_a_fixture_is_named(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings)
    await add_event(db, shop.store.id, trace_id="a1" * 16)
    await add_event(db, shop.store.id, trace_id="b2" * 16, endpoint=Endpoint.TAXES)
    text = attempt(shop.store.id, "a1" * 16, response_body=b'"ok"', request_id="req_string")
    taxes = attempt(shop.store.id, "b2" * 16, endpoint="taxes", request_id="req_taxes")
    ids = [str(await add_request(app, text)), str(await add_request(app, taxes))]
    csrf = await sign_in_admin(client, db, shop.store.id)

    answer = await _export(client, csrf, related_request_ids=ids)

    assert answer.status_code == 422
    assert answer.json()["message"] == (
        "These requests cannot be exported: "
        "req_string (its answer is JSON but neither an object nor a list); "
        "req_taxes (its endpoint taxes is not read through adapters)."
    )


async def test_export_needs_the_csrf_token(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings, erp_urls=mock_erp.urls)
    event, row = await _contract_event(app, db, shop)
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")

    api = await client.post(API, json={"related_request_ids": [str(row.id)]})
    forged = await client.post("/admin/events/fixtures", data={"request_id": str(row.id)})
    form = await client.post(
        "/admin/events/fixtures", data={"csrf_token": csrf, "request_id": str(row.id)}
    )
    listed = await client.post(
        "/admin/events/fixtures", data={"csrf_token": csrf, "event_id": str(event.id)}
    )

    assert (api.status_code, forged.status_code) == (403, 403)
    assert form.status_code == 200
    assert form.headers["content-disposition"].startswith('attachment; filename="erpgate-fix')
    assert [f["endpoint"] for f in form.json()["fixtures"]] == ["orders"]
    assert listed.json() == form.json()


async def test_the_event_page_offers_only_json_answers_for_export(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    shop = await make_shop(db, app.state.erpgate.settings)
    event_id = await add_event(db, shop.store.id, trace_id="ef" * 16)
    json_id = await add_request(app, attempt(shop.store.id, "ef" * 16, request_id="req_json"))
    html_id = await add_request(
        app, attempt(shop.store.id, "ef" * 16, response_body=b"<p>no</p>", request_id="req_html")
    )
    await sign_in_admin(client, db, shop.store.id, role="support")

    page = await client.get(f"/admin/events/{event_id}")
    listing = await client.get("/admin/events")

    assert f'name="request_id" value="{json_id}"' in page.text
    assert f'name="request_id" value="{html_id}"' not in page.text
    assert 'id="export-fixtures"' in page.text
    assert f'name="event_id" value="{event_id}"' in listing.text


def _row(url: str, body: bytes, endpoint: str = "orders") -> RelatedRequest:
    return RelatedRequest(
        url=url,
        endpoint=endpoint,
        method="GET",
        request_body=body.decode(),
        request_body_encoding="utf-8",
        request_truncated=False,
    )


def _event(endpoint: Endpoint = Endpoint.ORDERS) -> Event:
    return Event(id=uuid.uuid4(), endpoint=endpoint.value, customer_code="C0004935")


def test_the_page_is_read_back_from_each_paging_style() -> None:
    base = "https://erp.example.com/api/"
    odata = _row(base + "salesOrders?%24filter=x&%24top=11&%24skip=20", b"")
    frappe = _row(base + "resource/Sales%20Order?limit_start=40&limit_page_length=21", b"")
    odoo = _row(base + "json/2/sale.order/search_read", b'{"offset": 0, "limit": 51}')
    unknown = _row(base + "orders", b"")

    requests = [fixtures.fixture_request(_event(), r) for r in (odata, frappe, odoo, unknown)]

    assert requests == [
        {"customer_code": "C0004935", "page": 3, "page_size": 10},
        {"customer_code": "C0004935", "page": 3, "page_size": 20},
        {"customer_code": "C0004935", "page": 1, "page_size": 50},
        {"customer_code": "C0004935", "page": 1, "page_size": 20},
    ]


def test_a_contract_body_is_the_request_of_a_by_id_fixture() -> None:
    row = _row(
        "https://erp.example.com/erp/order",
        b'{"customer_code":"C0004935","order_id":"SO-7","seller_reference":null}',
        endpoint="order",
    )

    request = fixtures.fixture_request(_event(Endpoint.ORDER), row)

    assert request == {"customer_code": "C0004935", "order_id": "SO-7"}
