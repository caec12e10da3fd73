"""Sign-in rate limits (per account, per address, in the database), CSRF, expiry, sign out everywhere."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth.cookies import ADMIN_COOKIE
from erpgate.kit.clock import Clock
from erpgate.models.audit_log import AuditLog
from erpgate.models.login_attempt import LoginAttempt
from tests.admin.conftest import PASSWORD, World, sign_in
from tests.auth.helpers import login_form_token


async def _fail(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(
        "/api/v1/admin/auth/login", json={"email": email, "password": "wrong-password"}
    )


async def test_five_failures_lock_the_account_for_fifteen_minutes(
    world: World, client: httpx.AsyncClient, clock: Clock, db: AsyncSession
) -> None:
    clock.freeze(clock.now())
    for _ in range(5):
        assert (await _fail(client, "owner@alpha.example")).status_code == 401
    locked = await client.post(
        "/api/v1/admin/auth/login", json={"email": "owner@alpha.example", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.json() == {
        "error": "too_many_requests",
        "message": "Too many failed sign-ins for this account. Try again in 15 minutes.",
        "retry_after_minutes": 15,
    }
    # The failures were kept although each request rolled back.
    count = await db.scalar(select(func.count()).select_from(LoginAttempt))
    assert count == 5
    clock.advance(minutes=15, seconds=1)
    assert (await sign_in(client, "owner@alpha.example")) != ""


async def test_other_accounts_are_not_locked_by_one_accounts_failures(
    world: World, client: httpx.AsyncClient
) -> None:
    for _ in range(5):
        await _fail(client, "owner@alpha.example")
    assert await sign_in(client, "admin@alpha.example")


async def test_twenty_failures_from_one_address_block_that_address(
    world: World, client: httpx.AsyncClient
) -> None:
    for i in range(20):
        assert (await _fail(client, f"nobody{i}@example.com")).status_code == 401
    blocked = await client.post(
        "/api/v1/admin/auth/login", json={"email": "owner@beta.example", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert blocked.json()["message"] == (
        "Too many failed sign-ins from your network address. Try again in 15 minutes."
    )


async def test_login_form_shows_the_limit_as_a_page(
    world: World, client: httpx.AsyncClient
) -> None:
    token = await login_form_token(client, "/admin/login")
    for _ in range(5):
        await client.post(
            "/admin/login",
            data={"email": "owner@alpha.example", "password": "nope-nope", "login_csrf": token},
        )
    page = await client.post(
        "/admin/login",
        data={"email": "owner@alpha.example", "password": PASSWORD, "login_csrf": token},
    )
    assert page.status_code == 429
    assert "Too many failed sign-ins for this account." in page.text
    assert 'value="owner@alpha.example"' in page.text


async def test_state_changing_forms_refuse_a_missing_or_wrong_csrf_token(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": csrf + "x"}):
        response = await client.post(
            "/admin/apps/generic-erp/install", data=data, headers={"accept": "text/html"}
        )
        assert response.status_code == 403
        assert "The form expired or did not come from this site." in response.text
    api = await client.put("/api/v1/admin/integration", json={})
    assert api.status_code == 403
    ok = await client.post("/admin/apps/generic-erp/install", data={"csrf_token": csrf})
    assert ok.status_code == 303


async def test_sessions_expire_after_the_configured_age(
    world: World, client: httpx.AsyncClient, clock: Clock, app: FastAPI
) -> None:
    clock.freeze(clock.now())
    await sign_in(client, "owner@alpha.example")
    assert (await client.get("/api/v1/admin/auth/me")).status_code == 200
    minutes = app.state.erpgate.settings.session_max_age_minutes
    clock.advance(minutes=minutes, seconds=1)
    assert (await client.get("/api/v1/admin/auth/me")).status_code == 401


async def test_sign_out_everywhere_ends_every_session_of_the_admin(
    world: World, app: FastAPI, db: AsyncSession
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as laptop,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as phone,
    ):
        await sign_in(laptop, "owner@alpha.example")
        csrf = await sign_in(phone, "owner@alpha.example")
        response = await phone.post(
            "/api/v1/admin/auth/logout-everywhere", headers={"x-csrf-token": csrf}
        )
        assert response.status_code == 200
        assert response.json() == {"sessions_ended": 2, "storefront_sessions_ended": 0}
        assert (await laptop.get("/api/v1/admin/auth/me")).status_code == 401
        assert (await phone.get("/api/v1/admin/auth/me")).status_code == 401
    actions = (await db.execute(select(AuditLog.action))).scalars().all()
    assert actions == ["admin.sessions_ended"]


async def test_cookies_are_secure_when_configured(world: World, app: FastAPI) -> None:
    app.state.erpgate.settings.cookie_secure = True
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.post(
            "/api/v1/admin/auth/login",
            json={"email": "owner@alpha.example", "password": PASSWORD},
        )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{ADMIN_COOKIE}=")
    assert "Secure" in cookie and "HttpOnly" in cookie
