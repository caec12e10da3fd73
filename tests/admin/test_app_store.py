"""App Store: install, configure (form and API), uninstall; the Token stays write-only."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.endpoints.apps import ENDPOINT_GROUPS
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions
from erpgate.integration.service import load_live_integration
from erpgate.models.audit_log import AuditLog
from erpgate.models.integration import Integration
from tests.admin.conftest import World, settings_changes, sign_in

OPTIONS = ErpClientOptions()  # the snapshot checks targets with these

ERP = "http://127.0.0.1:8100/erp"


def _form(csrf: str, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "auth_style": "bearer",
        "key": "",
        "token": "secret-token-9876",
        "orders_url": f"{ERP}/orders",
        "invoices_url": f"{ERP}/invoices",
        "timeout_taxes": "2.5",
        "tax_failure_policy": "estimate",
        "stale_max_age_seconds": "3600",
        "notify_sender": "alerts@alpha.example",
        "notify_receivers": "it@alpha.example\nops@alpha.example",
    }
    data.update(changes)
    return data


ENDPOINT_NAMES = ("orders", "order", "invoices", "invoice", "balance", "taxes", "shipping")


async def test_install_configure_and_uninstall_through_the_pages(
    world: World, client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    store_id = world.a.store.id
    csrf = await sign_in(client, "owner@alpha.example")
    listing = await client.get("/admin/apps")
    assert "Generic ERP Integration" in listing.text and "Not installed" in listing.text
    installed = await client.post("/admin/apps/generic-erp/install", data={"csrf_token": csrf})
    assert installed.headers["location"] == "/admin/apps/generic-erp?done=installed"

    saved = await client.post("/admin/apps/generic-erp", data=_form(csrf))
    assert saved.status_code == 303
    box = app.state.erpgate.secret_box
    live = await load_live_integration(db, store_id, box, OPTIONS)
    assert live.enabled_endpoints == frozenset({Endpoint.ORDERS, Endpoint.INVOICES})
    assert live.credentials.token == "secret-token-9876"
    assert live.timeouts[Endpoint.TAXES] == 2.5
    assert live.notify_receivers == ("it@alpha.example", "ops@alpha.example")

    page = await client.get("/admin/apps/generic-erp")
    assert "••••9876" in page.text
    assert "secret-token-9876" not in page.text
    assert page.headers["cache-control"] == "no-store"

    await client.post("/admin/apps/generic-erp/uninstall", data={"csrf_token": csrf})
    db.expire_all()
    live = await load_live_integration(db, store_id, box, OPTIONS)
    assert live.installed is False and live.enabled_endpoints == frozenset()
    # Re-installing restores the last configuration.
    await client.post("/admin/apps/generic-erp/install", data={"csrf_token": csrf})
    db.expire_all()
    live = await load_live_integration(db, store_id, box, OPTIONS)
    assert live.enabled_endpoints == frozenset({Endpoint.ORDERS, Endpoint.INVOICES})
    actions = (
        await db.execute(select(AuditLog.action).order_by(AuditLog.occurred_at, AuditLog.action))
    ).scalars()
    assert sorted(actions) == sorted(
        [
            "integration.installed",
            "integration.settings_changed",
            "integration.uninstalled",
            "integration.installed",
        ]
    )


async def test_a_bad_form_is_shown_again_with_every_value_and_errors_next_to_fields(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    response = await client.post(
        "/admin/apps/generic-erp",
        data=_form(csrf, balance_url="http://127.0.0.1:99999/erp/balance", timeout_orders="99"),
    )
    assert response.status_code == 422
    assert 'id="balance_url-error" role="alert">Port 99999 is not a valid port.' in response.text
    assert "The timeout is between 0.5 and 30 seconds." in response.text
    # Nothing typed is lost, the other URLs and the typed Token included.
    assert 'value="http://127.0.0.1:99999/erp/balance"' in response.text
    assert f'value="{ERP}/orders"' in response.text
    assert 'value="secret-token-9876"' in response.text
    assert "it@alpha.example\nops@alpha.example" in response.text
    assert (await db.execute(select(Integration))).scalars().all() == []


def test_the_settings_page_groups_cover_every_endpoint_once() -> None:
    grouped = [endpoint for group in ENDPOINT_GROUPS for endpoint in group.endpoints]
    assert sorted(grouped) == sorted(Endpoint)
    assert len(grouped) == len(set(grouped))


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<section class="endpoint-group" id="{anchor}"')
    return page[start : page.index("</section>", start)]


async def test_the_settings_page_shows_each_feature_with_its_urls_and_what_they_switch_on(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "owner@alpha.example")
    page = (await client.get("/admin/apps/generic-erp")).text
    for group in ENDPOINT_GROUPS:
        section = _section(page, group.anchor)
        assert f'<h3 id="{group.anchor}-title">{group.title}</h3>' in section
        assert f'<p class="muted">{group.help}</p>' in section
        for endpoint in group.endpoints:
            assert f'<label for="{endpoint.value}_url">{endpoint.label}</label>' in section
            assert f'aria-label="{endpoint.label} timeout"' in section
    # Every endpoint's URL is on the page once; the retry window sits with the Submit Order URL.
    for endpoint in Endpoint:
        assert page.count(f'name="{endpoint.value}_url"') == 1, endpoint
    assert 'name="order_retry_hours" value="24"' in _section(page, "placed-orders")


def _settings(**changes: Any) -> dict[str, Any]:
    """A whole settings body, as PUT wants it (every field named), with ``changes``."""
    body: dict[str, Any] = {
        "key": "",
        "token": None,
        "auth_style": "bearer",
        "oauth_token_url": None,
        "urls": {e.value: None for e in Endpoint},
        "timeouts": {e.value: None for e in Endpoint},
        "tax_failure_policy": "estimate",
        "stale_max_age_seconds": 86400,
        "order_retry_hours": 24,
        "price_cache_seconds": 300,
        "stock_cache_seconds": 30,
        "notify_sender": None,
        "notify_receivers": [],
    }
    body.update(changes)
    return body


async def test_api_get_never_returns_the_token_and_put_keeps_it_unless_typed(
    world: World, client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    store_id = world.a.store.id
    csrf = await sign_in(client, "owner@alpha.example")
    headers = {"x-csrf-token": csrf}
    urls = {e.value: None for e in Endpoint}
    body = _settings(
        token=" first-token-1111\n",
        urls={**urls, "orders": f"{ERP}/orders", "taxes": f"{ERP}/checkout/taxes"},
        timeouts={**{e.value: None for e in Endpoint}, "taxes": 2},
        notify_receivers=["it@alpha.example"],
        installed=True,
    )
    put = await client.put("/api/v1/admin/integration", json=body, headers=headers)
    assert put.status_code == 200, put.text
    got = (await client.get("/api/v1/admin/integration")).json()
    assert "first-token-1111" not in str(got)
    assert got["token_hint"] == "••••1111"
    assert got["installed"] is True
    assert got["urls"]["orders"] == f"{ERP}/orders" and got["urls"]["balance"] == ""
    assert got["timeouts"]["taxes"] == 2.0 and got["timeouts"]["shipping"] == 3.0

    again = await client.put(
        "/api/v1/admin/integration", json={**body, "token": None}, headers=headers
    )
    assert again.json()["token_hint"] == "••••1111"
    box = app.state.erpgate.secret_box
    live = await load_live_integration(db, store_id, box, OPTIONS)
    assert live.credentials.token == "first-token-1111"

    await client.put(
        "/api/v1/admin/integration", json={**body, "token": "second-2222"}, headers=headers
    )
    db.expire_all()
    live = await load_live_integration(db, store_id, box, OPTIONS)
    assert live.credentials.token == "second-2222"


async def test_api_put_answers_422_with_per_field_errors(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    urls = {e.value: None for e in Endpoint}
    response = await client.put(
        "/api/v1/admin/integration",
        json=_settings(
            token="tok-1234567",
            urls={**urls, "orders": "ftp://127.0.0.1/x", "order": "http://192.168.1.10/erp"},
            timeouts={**{e.value: None for e in Endpoint}, "taxes": 0},
            notify_sender="not an address",
        ),
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert fields["urls.orders"] == "Only http and https addresses can be called, not ftp."
    assert fields["urls.order"] == "Refused to call 192.168.1.10: private address."
    assert fields["timeouts.taxes"] == "The timeout is between 0.5 and 30 seconds."
    assert fields["notify_sender"].startswith("not an address is not a valid e-mail address")


async def _configured(client: httpx.AsyncClient, csrf: str) -> dict[str, Any]:
    urls = {e.value: f"{ERP}/{e.value}" for e in Endpoint}
    body = _settings(
        token="tok-12345678",
        urls=urls,
        notify_sender="a@alpha.example",
        notify_receivers=["it@alpha.example", "ops@alpha.example"],
    )
    put = await client.put("/api/v1/admin/integration", json=body, headers={"x-csrf-token": csrf})
    assert put.status_code == 200, put.text
    stored: dict[str, Any] = put.json()
    return stored


async def test_a_put_missing_fields_is_422_naming_each_and_erases_nothing(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    before = await _configured(client, csrf)
    partial = await client.put(
        "/api/v1/admin/integration",
        json={"tax_failure_policy": "block", "urls": {"orders": None}},
        headers={"x-csrf-token": csrf},
    )
    assert partial.status_code == 422
    assert partial.json()["fields"] == {
        "key": "is required",
        "token": "is required",
        "auth_style": "is required",
        "oauth_token_url": "is required",
        **{f"urls.{e.value}": "is required" for e in Endpoint if e.value != "orders"},
        "timeouts": "is required",
        "stale_max_age_seconds": "is required",
        "order_retry_hours": "is required",
        "price_cache_seconds": "is required",
        "stock_cache_seconds": "is required",
        "notify_sender": "is required",
        "notify_receivers": "is required",
    }
    assert (await client.get("/api/v1/admin/integration")).json() == before


async def test_patch_changes_only_the_fields_it_names(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    headers = {"x-csrf-token": csrf}
    before = await _configured(client, csrf)
    patched = await client.patch(
        "/api/v1/admin/integration", json={"tax_failure_policy": "block"}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json() == {**before, "tax_failure_policy": "block"}
    off = await client.patch(
        "/api/v1/admin/integration",
        json={"urls": {"balance": None}, "timeouts": {"taxes": 2.5}},
        headers=headers,
    )
    assert off.json()["urls"] == {**before["urls"], "balance": ""}
    assert off.json()["timeouts"] == {**before["timeouts"], "taxes": 2.5}
    assert off.json()["notify_receivers"] == ["it@alpha.example", "ops@alpha.example"]
    assert off.json()["token_hint"] == "••••5678"
    typo = await client.patch(
        "/api/v1/admin/integration", json={"url": {"orders": None}}, headers=headers
    )
    assert typo.status_code == 422
    assert typo.json()["fields"] == {"url": "Extra inputs are not permitted"}
    changes = await settings_changes(db)
    assert changes[1:] == [
        {
            "changed": ["tax_failure_policy"],
            "changes": [{"field": "tax_failure_policy", "old": "estimate", "new": "block"}],
        },
        {
            "changed": ["urls", "timeouts"],
            "changes": [
                {"field": "urls.balance", "old": f"{ERP}/balance", "new": ""},
                {"field": "timeouts.taxes", "old": "3", "new": "2.5"},
            ],
        },
    ]


async def test_roles_without_configure_cannot_change_settings(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "developer@alpha.example")
    assert (await client.get("/admin/apps/generic-erp")).status_code == 200
    refused = await client.post("/admin/apps/generic-erp/install", data={"csrf_token": csrf})
    assert refused.status_code == 403
    api = await client.put("/api/v1/admin/integration", json={}, headers={"x-csrf-token": csrf})
    assert api.status_code == 403


async def test_api_keys_are_shown_once_and_revoked_only_in_the_own_store(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    created = await client.post(
        "/admin/apps/generic-erp/api-keys", data={"csrf_token": csrf, "label": "headless"}
    )
    assert created.status_code == 200
    marker = 'id="new-api-key">'
    plaintext = created.text.split(marker, 1)[1].split("<", 1)[0]
    assert plaintext.startswith("egk_")
    later = await client.get("/admin/apps/generic-erp")
    assert plaintext not in later.text and plaintext[:12] in later.text
    other = await client.post(
        f"/admin/apps/generic-erp/api-keys/{world.b.store.id}/revoke",
        data={"csrf_token": csrf},
        headers={"accept": "application/json"},
    )
    assert other.status_code == 404


async def test_the_test_button_runs_the_conformance_checker_against_the_mock_erp(
    world: World, client: httpx.AsyncClient, mock_erp: Any, db: AsyncSession
) -> None:
    owner = await sign_in(client, "owner@alpha.example")
    # The read endpoints: Test integration never places an order (submit_order is skipped).
    urls = {name: mock_erp.urls[name] for name in ENDPOINT_NAMES}
    body = {"token": "mock-token", "urls": urls, "installed": True}
    put = await client.patch(
        "/api/v1/admin/integration", json=body, headers={"x-csrf-token": owner}
    )
    assert put.status_code == 200, put.text
    csrf = await sign_in(client, "developer@alpha.example")

    # A typed customer code needs no customer account; another customer's code arms the
    # cross-customer rules, as the CLI's flags do.
    page = await client.post(
        "/admin/apps/generic-erp/test",
        data={
            "csrf_token": csrf,
            "customer_code": " C0004935 ",
            "other_customer_code": "C010268",
        },
    )

    assert page.status_code == 200
    assert 'id="test-results"' in page.text
    assert "All checks passed" in page.text, page.text[page.text.find("test-integration") :][:3000]
    assert "All rules passed: 59 passed, 0 failed, 0 skipped" in page.text
    assert 'name="customer_code" value="C0004935"' in page.text
    events = await client.get("/api/v1/admin/events?type=integration.test&page_size=200")
    types = {item["type"] for item in events.json()["items"]}
    assert types == {f"integration.test.{e}" for e in ENDPOINT_NAMES}
    one = await client.get("/api/v1/admin/events?type=integration.test.taxes")
    assert {item["type"] for item in one.json()["items"]} == {"integration.test.taxes"}


async def test_the_test_button_shows_the_erps_answer_of_a_failure(
    world: World, client: httpx.AsyncClient, mock_erp: Any, db: AsyncSession
) -> None:
    owner = await sign_in(client, "owner@alpha.example")
    body = {"token": "mock-token", "urls": {"balance": mock_erp.urls["balance"]}, "installed": True}
    put = await client.patch(
        "/api/v1/admin/integration", json=body, headers={"x-csrf-token": owner}
    )
    assert put.status_code == 200, put.text
    mock_erp.set_fault("balance", "html_error", status=500)

    page = await client.post(
        "/admin/apps/generic-erp/test", data={"csrf_token": owner, "customer_code": "C0004935"}
    )

    assert page.status_code == 200
    assert "Some checks failed" in page.text
    assert "ERP answered 500 Internal Server Error" in page.text
    # The answer is shown escaped, as text: the ERP's markup never runs in the admin.
    assert "&lt;h1&gt;Internal Server Error&lt;/h1&gt;" in page.text
    assert "<h1>Internal Server Error</h1>" not in page.text


async def test_the_test_button_refuses_bad_codes_and_keeps_what_was_typed(
    world: World, client: httpx.AsyncClient, mock_erp: Any
) -> None:
    csrf = await sign_in(client, "developer@alpha.example")
    calls_before = sum(mock_erp.state.counts.values())

    page = await client.post(
        "/admin/apps/generic-erp/test",
        data={
            "csrf_token": csrf,
            "customer_code": "C 0004935",
            "other_customer_code": "C010268",
            "other_order_id": "SO-100260",
        },
    )

    assert page.status_code == 422
    assert "1-64 characters, no spaces." in page.text
    assert 'name="other_order_id" value="SO-100260"' in page.text
    assert 'name="customer_code" value="C 0004935"' in page.text
    assert sum(mock_erp.state.counts.values()) == calls_before  # the ERP was not asked
    same = await client.post(
        "/admin/apps/generic-erp/test",
        data={"csrf_token": csrf, "customer_code": "C1", "other_customer_code": "C1"},
    )
    assert same.status_code == 422
    assert "Must be another customer than the one tested." in same.text


async def test_every_request_link_of_the_test_results_finds_its_event(
    world: World, client: httpx.AsyncClient, mock_erp: Any, db: AsyncSession
) -> None:
    owner = await sign_in(client, "owner@alpha.example")
    urls = {name: mock_erp.urls[name] for name in ENDPOINT_NAMES}
    body = {"token": "mock-token", "urls": urls, "installed": True}
    put = await client.patch(
        "/api/v1/admin/integration", json=body, headers={"x-csrf-token": owner}
    )
    assert put.status_code == 200, put.text

    page = await client.post(
        "/admin/apps/generic-erp/test", data={"csrf_token": owner, "customer_code": "C0004935"}
    )

    assert page.status_code == 200
    results = page.text[page.text.index('id="test-results"') :].split("</table>")[0]
    rows = re.findall(r"<tr>\s*<td data-label=\"Endpoint\">.*?</tr>", results, re.S)
    assert len(rows) == 59  # every rule of every endpoint
    links = {row: re.findall(r'href="(/admin/events\?q=[^"]+)"', row) for row in rows}
    assert sum(1 for found in links.values() if found) > 40
    for row, found in links.items():
        for link in found:
            events = await client.get(link)
            assert events.status_code == 200
            assert "No events match" not in events.text, row
            found_events = set(re.findall(r'href="/admin/events/([0-9a-f-]{36})"', events.text))
            assert len(found_events) == 1, row  # the one event of that request
    # The calls sent without credentials are never kept as events: their rows say so instead
    # of linking to nothing.
    auth_rows = [row for row in rows if ">auth.required<" in row]
    assert len(auth_rows) == 7
    assert all(not links[row] and "Not kept as an event" in row for row in auth_rows)


CLI_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


async def test_the_test_integration_page_never_names_a_cli_flag(
    world: World, client: httpx.AsyncClient, mock_erp: Any, db: AsyncSession
) -> None:
    owner = await sign_in(client, "owner@alpha.example")
    urls = {name: mock_erp.urls[name] for name in ENDPOINT_NAMES}
    body = {"token": "mock-token", "urls": urls, "installed": True}
    put = await client.patch(
        "/api/v1/admin/integration", json=body, headers={"x-csrf-token": owner}
    )
    assert put.status_code == 200, put.text
    form = await client.get("/admin/apps/generic-erp")
    # The advice the rules give: a wrong URL, wrong credentials, another customer's missing ids.
    # (A private host is refused when saved, before any rule could advise on it.)
    mock_erp.set_fault("balance", "status", status=404)
    mock_erp.set_fault("invoices", "status", status=401)

    results = await client.post(
        "/admin/apps/generic-erp/test", data={"csrf_token": owner, "customer_code": "C0004935"}
    )
    refused = await client.post(
        "/admin/apps/generic-erp/test",
        data={"csrf_token": owner, "customer_code": "C 1", "other_customer_code": "C 1"},
    )

    assert (form.status_code, results.status_code, refused.status_code) == (200, 200, 422)
    assert "check the Customer A/R Balance URL in the settings" in results.text
    assert "check the Key, the Token and the auth style in the settings" in results.text
    assert "the &#34;Another customer&#39;s code&#34; field" in results.text
    for page in (form, results, refused):
        assert CLI_FLAG.findall(page.text) == []
