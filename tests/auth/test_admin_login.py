"""The simplest real admin login that protects the console: JSON and page, sessions server-side."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin
from erpgate.auth.cookies import ADMIN_COOKIE
from erpgate.store.service import create_store


async def _owner(db: AsyncSession) -> None:
    store = await create_store(db, slug="acme", name="Acme")
    await create_admin(
        db, store_id=store.id, email="Owner@Example.com", password="correct-horse", role="owner"
    )
    await db.commit()


async def test_json_login_sets_a_session_cookie_and_me_answers(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await _owner(db)
    response = await client.post(
        "/api/v1/admin/auth/login", json={"email": "owner@example.com", "password": "correct-horse"}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{ADMIN_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = await client.get("/api/v1/admin/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == "owner@example.com"
    assert me.json()["role"] == "owner"


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await _owner(db)
    wrong = await client.post(
        "/api/v1/admin/auth/login", json={"email": "owner@example.com", "password": "nope-nope"}
    )
    unknown = await client.post(
        "/api/v1/admin/auth/login", json={"email": "who@example.com", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"error": "unauthorized", "message": "Wrong e-mail or password."}
    )
    assert "set-cookie" not in wrong.headers


async def test_console_pages_need_a_session(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin", headers={"accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == "/admin/login?next=/admin"
    api = await client.get("/api/v1/admin/auth/me")
    assert api.status_code == 401
    client.cookies.set(ADMIN_COOKIE, "forged-token")
    forged = await client.get("/api/v1/admin/auth/me")
    assert forged.status_code == 401


async def test_logout_revokes_the_session_server_side(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await _owner(db)
    signed_in = await client.post(
        "/api/v1/admin/auth/login", json={"email": "owner@example.com", "password": "correct-horse"}
    )
    token = client.cookies[ADMIN_COOKIE]
    csrf = {"x-csrf-token": signed_in.json()["csrf_token"]}
    assert (await client.post("/api/v1/admin/auth/logout", headers=csrf)).status_code == 204
    client.cookies.clear()
    client.cookies.set(ADMIN_COOKIE, token)
    replayed = await client.get("/api/v1/admin/auth/me")
    assert replayed.status_code == 401


async def test_login_page_refuses_open_redirects(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/login", params={"next": "https://evil.example/"})
    assert page.status_code == 200
    assert 'value="/admin"' in page.text
    assert "evil.example" not in page.text
