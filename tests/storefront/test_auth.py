"""Buyer sign-in: cookies, rotation, store inference, logout, API keys on behalf of a buyer."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth.cookies import BUYER_COOKIE
from erpgate.customer import service as customer_service
from erpgate.storefront import api_keys
from tests.auth.helpers import login_form_token
from tests.storefront.conftest import BUYER, OTHER, VIEWER, Shop, login


async def test_login_sets_a_safe_cookie_and_returns_the_buyer(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": BUYER[0], "password": BUYER[1], "store": "demo"}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{BUYER_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    body = response.json()
    assert body["customer_code"] == "C0004935"
    assert body["modules"] == ["orders", "invoices", "balance", "catalog"]
    assert body["permissions"] == ["orders", "invoices", "balance", "checkout"]


async def test_login_without_store_uses_the_only_store_with_that_email(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await login(client, OTHER, store=None)
    me = await client.get("/api/v1/storefront/me")
    assert me.json()["customer_code"] == "C010268"


async def test_wrong_password_is_401_and_sets_no_cookie(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": BUYER[0], "password": "nope", "store": "demo"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert "set-cookie" not in response.headers


async def test_session_token_rotates_on_every_login_and_the_old_one_dies(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await login(client, BUYER)
    first = client.cookies[BUYER_COOKIE]
    await login(client, BUYER)
    second = client.cookies[BUYER_COOKIE]
    assert first != second
    client.cookies.set(BUYER_COOKIE, first)
    assert (await client.get("/api/v1/storefront/me")).status_code == 401


async def test_logout_ends_the_session(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await login(client, VIEWER)
    token = client.cookies[BUYER_COOKIE]
    logout = await client.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf})
    assert logout.status_code == 204
    client.cookies.set(BUYER_COOKIE, token)
    assert (await client.get("/api/v1/storefront/me")).status_code == 401


async def test_page_without_session_redirects_to_the_store_login(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.get("/store/demo/orders")
    assert response.status_code == 303
    assert response.headers["location"] == "/store/demo/login?next=/store/demo/orders"


async def test_login_form_signs_in_and_redirects_inside_the_store(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    token = await login_form_token(client, "/store/demo/login")
    response = await client.post(
        "/store/demo/login",
        data={
            "email": BUYER[0],
            "password": BUYER[1],
            "next": "https://evil.example/",
            "login_csrf": token,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/store/demo/"
    home = await client.get("/store/demo/")
    assert home.status_code == 200
    assert "Welcome, Buyer" in home.text
    assert "Demo &lt;Industrial&gt; Supply" in home.text


async def test_logout_form_needs_the_csrf_token(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await login(client, BUYER)
    refused = await client.post("/store/demo/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    done = await client.post("/store/demo/logout", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert (await client.get("/api/v1/storefront/me")).status_code == 401


async def test_api_key_acts_for_the_named_buyer_and_stops_when_revoked(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    record, plaintext = await api_keys.create_api_key(db, shop.store.id, "headless")
    await db.commit()
    assert record.key_digest != plaintext
    assert plaintext.startswith(record.prefix)
    headers = {"Authorization": f"Bearer {plaintext}", "X-On-Behalf-Of": OTHER[0]}
    me = await client.get("/api/v1/storefront/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["customer_code"] == "C010268"

    nobody = await client.get(
        "/api/v1/storefront/me", headers={**headers, "X-On-Behalf-Of": "ghost@example.com"}
    )
    assert nobody.status_code == 403

    await api_keys.revoke_api_key(db, shop.store.id, record.id)
    await db.commit()
    assert (await client.get("/api/v1/storefront/me", headers=headers)).status_code == 401
    assert [k.id for k in await api_keys.list_api_keys(db, shop.store.id)] == [record.id]


async def test_a_deactivated_buyer_is_refused_at_once_although_reads_are_cached(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    assert (await buyer_client.get("/api/v1/storefront/me")).status_code == 200
    assert (await buyer_client.get("/api/v1/storefront/me")).status_code == 200  # a cache hit
    await customer_service.update_user(db, shop.store.id, shop.users[BUYER[0]].id, is_active=False)
    await db.commit()
    assert (await buyer_client.get("/api/v1/storefront/me")).status_code == 401


async def test_permission_change_applies_to_the_next_read(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    assert (await buyer_client.get("/api/v1/storefront/orders")).status_code == 200
    await customer_service.update_user(
        db, shop.store.id, shop.users[BUYER[0]].id, permissions=["invoices"]
    )
    await db.commit()
    assert (await buyer_client.get("/api/v1/storefront/orders")).status_code == 403


async def test_reads_in_flight_when_the_cached_buyer_expires_share_one_look_up(
    client: httpx.AsyncClient, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A headless client keeps many reads in flight: when its cached buyer expires they resolve
    the session once between them, not once each (a database connection each)."""
    import asyncio

    from erpgate.auth import service as auth_service
    from erpgate.storefront import deps

    await login(client, BUYER)
    resolve = auth_service.resolve_session
    look_ups = 0

    async def counted(*args: object, **kwargs: object) -> object:
        nonlocal look_ups
        look_ups += 1
        await asyncio.sleep(0.05)  # the database takes a moment: the others arrive meanwhile
        return await resolve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auth_service, "resolve_session", counted)
    deps._buyers.clear()
    answers = await asyncio.gather(*(client.get("/api/v1/storefront/me") for _ in range(12)))
    assert [a.status_code for a in answers] == [200] * 12
    assert {a.json()["customer_code"] for a in answers} == {"C0004935"}
    assert look_ups == 1

    deps._buyers.clear()
    await client.get("/store/demo/orders")
    assert look_ups == 2  # a page resolves its own way, and once
