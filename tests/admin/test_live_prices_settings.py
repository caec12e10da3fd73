"""The Prices and Inventory URLs and how long their answers are used, through the settings page,
the JSON API, the audit log and the pages that list every endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions
from erpgate.integration.service import load_live_integration
from erpgate.models.integration import Integration
from tests.admin.conftest import World, settings_changes, sign_in

OPTIONS = ErpClientOptions()
ERP = "http://127.0.0.1:8100/erp"
SETTINGS = "/admin/apps/generic-erp"
API = "/api/v1/admin/integration"

PRICES_WHOLE = "Prices are used for a whole number of seconds."
PRICES_BOUNDS = "Prices are used for between 0 and 86400 seconds (a day)."
STOCK_WHOLE = "Stock is used for a whole number of seconds."
STOCK_BOUNDS = "Stock is used for between 0 and 3600 seconds (an hour)."
# What the merchant may type wrong, in the form and in the API alike.
GARBAGE = [
    ("price_cache_seconds", "abc", PRICES_WHOLE),
    ("price_cache_seconds", "12.5", PRICES_WHOLE),
    ("price_cache_seconds", "1e9", PRICES_WHOLE),
    ("price_cache_seconds", "-1", PRICES_BOUNDS),
    ("price_cache_seconds", "86401", PRICES_BOUNDS),
    ("stock_cache_seconds", "abc", STOCK_WHOLE),
    ("stock_cache_seconds", "12.5", STOCK_WHOLE),
    ("stock_cache_seconds", "1e9", STOCK_WHOLE),
    ("stock_cache_seconds", "-1", STOCK_BOUNDS),
    ("stock_cache_seconds", "3601", STOCK_BOUNDS),
]


def _form(csrf: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "auth_style": "bearer",
        "token": "secret-token-9876",
        "orders_url": f"{ERP}/orders",
        "prices_url": f"{ERP}/prices",
        "inventory_url": f"{ERP}/inventory",
        "timeout_prices": "2",
        "price_cache_seconds": "120",
        "stock_cache_seconds": "0",
        **changes,
    }


def _field(page: str, name: str) -> str:
    """The settings page's input named ``name``, as served."""
    start = page.index(f'name="{name}"')
    return page[page.rindex("<input", 0, start) : page.index(">", start) + 1]


async def test_the_page_shows_the_live_prices_group_with_its_urls_and_cache_ages(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "owner@alpha.example")
    page = (await client.get(SETTINGS)).text
    start = page.index('<section class="endpoint-group" id="live-prices"')
    group = page[start : page.index("</section>", start)]
    assert '<h3 id="live-prices-title">Live prices and stock</h3>' in group
    assert (
        "Buyers see their own prices and stock on the catalog, cart and checkout while these "
        "URLs are set." in group
    )
    assert '<label for="prices_url">Prices URL</label>' in group
    assert '<label for="inventory_url">Inventory URL</label>' in group
    assert (
        'aria-label="Prices URL timeout"' in group and 'aria-label="Inventory URL timeout"' in group
    )
    assert 'name="timeout_prices" value="3"' in group
    assert 'name="timeout_inventory" value="3"' in group
    assert "Prices are used for (seconds)" in group and "Stock is used for (seconds)" in group
    assert 'value="300"' in _field(group, "price_cache_seconds")
    assert 'value="30"' in _field(group, "stock_cache_seconds")


async def test_the_form_saves_the_urls_and_cache_ages_and_shows_them_again(
    world: World, client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    store_id = world.a.store.id
    box = app.state.erpgate.secret_box
    csrf = await sign_in(client, "owner@alpha.example")
    await client.post(f"{SETTINGS}/install", data={"csrf_token": csrf})
    # A snapshot kept in this process: saving must replace it.
    cached = await load_live_integration(db, store_id, box, OPTIONS, cache_seconds=3600)
    assert (cached.price_cache_seconds, cached.stock_cache_seconds) == (300, 30)

    saved = await client.post(SETTINGS, data=_form(csrf))
    assert saved.status_code == 303, saved.text

    db.expire_all()
    live = await load_live_integration(db, store_id, box, OPTIONS, cache_seconds=3600)
    assert (live.price_cache_seconds, live.stock_cache_seconds) == (120, 0)
    assert live.enabled_endpoints == frozenset(
        {Endpoint.ORDERS, Endpoint.PRICES, Endpoint.INVENTORY}
    )
    assert live.timeouts[Endpoint.PRICES] == 2.0 and live.timeouts[Endpoint.INVENTORY] == 3.0
    page = (await client.get(SETTINGS)).text
    assert 'value="120"' in _field(page, "price_cache_seconds")
    assert 'value="0"' in _field(page, "stock_cache_seconds")
    assert f'value="{ERP}/prices"' in _field(page, "prices_url")
    assert f'value="{ERP}/inventory"' in _field(page, "inventory_url")
    got = (await client.get(API)).json()
    assert got["urls"]["prices"] == f"{ERP}/prices"
    assert got["urls"]["inventory"] == f"{ERP}/inventory"
    assert got["timeouts"]["prices"] == 2.0 and got["timeouts"]["inventory"] == 3.0
    assert (got["price_cache_seconds"], got["stock_cache_seconds"]) == (120, 0)


@pytest.mark.parametrize(("name", "garbage", "message"), GARBAGE)
async def test_the_form_refuses_a_bad_cache_age_next_to_its_field_and_saves_nothing(
    world: World, client: httpx.AsyncClient, db: AsyncSession, name: str, garbage: str, message: str
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    response = await client.post(SETTINGS, data=_form(csrf, **{name: garbage}))
    assert response.status_code == 422
    assert f'id="{name}-error" role="alert">{message}</span>' in response.text
    assert response.text.count('role="alert">') == 1  # the other fields are fine
    # What was typed stays in the field, to be corrected.
    assert f'value="{garbage}"' in _field(response.text, name)
    assert (await db.execute(select(Integration))).scalars().all() == []


def _settings(**changes: Any) -> dict[str, Any]:
    """A whole settings body, as PUT wants it, with ``changes``."""
    return {
        "key": "",
        "token": "tok-12345678",
        "auth_style": "bearer",
        "oauth_token_url": None,
        "urls": {
            **{e.value: None for e in Endpoint},
            "prices": f"{ERP}/prices",
            "inventory": f"{ERP}/inventory",
        },
        "timeouts": {**{e.value: None for e in Endpoint}, "inventory": 1.5},
        "tax_failure_policy": "estimate",
        "stale_max_age_seconds": 86400,
        "order_retry_hours": 24,
        "price_cache_seconds": 600,
        "stock_cache_seconds": 15,
        "notify_sender": None,
        "notify_receivers": [],
        **changes,
    }


async def test_the_api_puts_reads_back_and_patches_one_cache_age_audited(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    headers = {"x-csrf-token": await sign_in(client, "owner@alpha.example")}
    put = await client.put(API, json=_settings(), headers=headers)
    assert put.status_code == 200, put.text
    got = (await client.get(API)).json()
    assert got == put.json()
    assert got["urls"]["prices"] == f"{ERP}/prices"
    assert got["urls"]["inventory"] == f"{ERP}/inventory"
    assert got["timeouts"]["prices"] == 3.0 and got["timeouts"]["inventory"] == 1.5
    assert (got["price_cache_seconds"], got["stock_cache_seconds"]) == (600, 15)

    patched = await client.patch(API, json={"stock_cache_seconds": "45"}, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json() == {**got, "stock_cache_seconds": 45}
    off = await client.patch(API, json={"urls": {"inventory": None}}, headers=headers)
    assert off.json()["urls"] == {**got["urls"], "inventory": ""}
    assert off.json()["stock_cache_seconds"] == 45

    details = await settings_changes(db)
    first = {c["field"]: (c["old"], c["new"]) for c in details[0]["changes"]}
    assert first["price_cache_seconds"] == ("300", "600")
    assert first["stock_cache_seconds"] == ("30", "15")
    assert first["urls.prices"] == ("", f"{ERP}/prices")
    assert details[1:] == [
        {
            "changed": ["stock_cache_seconds"],
            "changes": [{"field": "stock_cache_seconds", "old": "15", "new": "45"}],
        },
        {
            "changed": ["urls"],
            "changes": [{"field": "urls.inventory", "old": f"{ERP}/inventory", "new": ""}],
        },
    ]


@pytest.mark.parametrize(("name", "garbage", "message"), GARBAGE)
async def test_the_api_refuses_a_bad_cache_age_by_name_and_saves_nothing(
    world: World, client: httpx.AsyncClient, name: str, garbage: str, message: str
) -> None:
    headers = {"x-csrf-token": await sign_in(client, "owner@alpha.example")}
    before = (await client.put(API, json=_settings(), headers=headers)).json()
    put = await client.put(API, json=_settings(**{name: garbage}), headers=headers)
    patch = await client.patch(
        API, json={name: garbage, "tax_failure_policy": "block"}, headers=headers
    )
    assert (put.status_code, patch.status_code) == (422, 422)
    assert put.json()["fields"] == {name: message}
    assert patch.json()["fields"] == {name: message}
    assert (await client.get(API)).json() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [(12.5, PRICES_WHOLE), (1e9, PRICES_BOUNDS), (-1, PRICES_BOUNDS), (True, PRICES_WHOLE)],
)
async def test_a_json_number_that_is_no_cache_age_gets_the_forms_words(
    world: World, client: httpx.AsyncClient, value: Any, message: str
) -> None:
    headers = {"x-csrf-token": await sign_in(client, "owner@alpha.example")}
    await client.put(API, json=_settings(), headers=headers)
    patch = await client.patch(API, json={"price_cache_seconds": value}, headers=headers)
    assert patch.status_code == 422
    assert patch.json()["fields"] == {"price_cache_seconds": message}
    assert (await client.get(API)).json()["price_cache_seconds"] == 600


async def test_health_home_and_app_store_show_prices_and_inventory_once_their_urls_are_set(
    world: World, client: httpx.AsyncClient
) -> None:
    headers = {"x-csrf-token": await sign_in(client, "owner@alpha.example")}
    before = (await client.get("/api/v1/admin/health")).json()["endpoints"]
    assert [e["endpoint"] for e in before] == [e.value for e in Endpoint]
    assert not any(e["enabled"] for e in before)

    put = await client.put(API, json={**_settings(), "installed": True}, headers=headers)
    assert put.status_code == 200, put.text

    body = (await client.get("/api/v1/admin/health")).json()["endpoints"]
    enabled = {e["endpoint"]: (e["label"], e["enabled"]) for e in body}
    assert enabled["prices"] == ("Prices URL", True)
    assert enabled["inventory"] == ("Inventory URL", True)
    assert enabled["orders"] == ("Orders URL", False)
    page = (await client.get("/admin/health")).text
    for endpoint, label in (("prices", "Prices URL"), ("inventory", "Inventory URL")):
        start = page.index(f'id="health-{endpoint}"')
        card = page[start : page.index("</section>", start)]
        assert f"<h2>{label}</h2>" in card
        assert '<span class="badge badge-ok">on</span>' in card
        assert f'href="/admin/events?endpoint={endpoint}&amp;outcome=error"' in card
    home = (await client.get("/admin")).text
    listing = (await client.get("/admin/apps")).text
    assert "to signed-in buyers with their own prices and stock" in listing
    for endpoint, label in (("prices", "Prices URL"), ("inventory", "Inventory URL")):
        start = home.index(f'<tr id="summary-{endpoint}">')
        row = home[start : home.index("</tr>", start)]
        assert f'<a href="/admin/health#health-{endpoint}">{label}</a>' in row
        assert '<span class="badge badge-ok">on</span>' in row
