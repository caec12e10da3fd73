"""Setting a buyer's password: owners and admins only, always audited, ending the buyer's sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.audit_log import AuditLog
from tests.admin.conftest import World, sign_in

NOT_ALLOWED = {"error": "forbidden", "message": "Your role does not allow setting passwords."}
NEW_PASSWORD = "taken-over-123"


@asynccontextmanager
async def _buyer_signed_in(app: FastAPI, password: str) -> AsyncIterator[httpx.AsyncClient]:
    """A buyer's own browser, after signing in with ``password`` (rightly or not)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as buyer:
        await buyer.post(
            "/api/v1/auth/login",
            json={"email": "buyer@alpha.example", "password": password, "store": "alpha"},
        )
        yield buyer


def _user_form(world: World, csrf: str, **changes: str) -> dict[str, Any]:
    """The buyer's edit form as the page sends it, with ``changes``."""
    return {
        "csrf_token": csrf,
        "customer_account_id": str(world.a.account.id),
        "email": "buyer@alpha.example",
        "name": "alpha Buyer",
        "permissions": ["orders"],
        "is_active": "on",
        **changes,
    }


async def test_support_may_not_set_a_buyers_password_over_the_api(
    world: World, client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "support@alpha.example")
    headers = {"x-csrf-token": csrf}
    changed = await client.put(
        f"/api/v1/admin/users/{world.a.user.id}",
        json={"name": "Renamed", "password": NEW_PASSWORD},
        headers=headers,
    )
    assert changed.status_code == 403
    assert changed.json() == NOT_ALLOWED
    created = await client.post(
        "/api/v1/admin/users",
        json={
            "customer_account_id": str(world.a.account.id),
            "email": "new@alpha.example",
            "password": NEW_PASSWORD,
        },
        headers=headers,
    )
    assert created.status_code == 403
    assert created.json() == NOT_ALLOWED
    async with _buyer_signed_in(app, NEW_PASSWORD) as buyer:
        assert (await buyer.get("/api/v1/storefront/me")).status_code == 401
    user = (await client.get(f"/api/v1/admin/users/{world.a.user.id}")).json()
    assert user["name"] == "alpha Buyer"
    # Support still edits everything else.
    renamed = await client.put(
        f"/api/v1/admin/users/{world.a.user.id}", json={"name": "Renamed"}, headers=headers
    )
    assert renamed.json()["name"] == "Renamed"


async def test_support_sees_no_password_field_and_the_form_refuses_one(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "support@alpha.example")
    page = await client.get(f"/admin/users/{world.a.user.id}")
    assert 'name="password"' not in page.text
    assert 'name="password"' not in (await client.get("/admin/users")).text
    refused = await client.post(
        f"/admin/users/{world.a.user.id}",
        data=_user_form(world, csrf, password=NEW_PASSWORD),
    )
    assert refused.status_code == 403
    assert "Your role does not allow setting passwords." in refused.text


async def test_an_owner_sets_a_password_audited_and_the_buyers_sessions_end(
    world: World, client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    async with _buyer_signed_in(app, "buyer-password") as before:
        assert (await before.get("/api/v1/storefront/me")).status_code == 200
        csrf = await sign_in(client, "owner@alpha.example")
        changed = await client.put(
            f"/api/v1/admin/users/{world.a.user.id}",
            json={"password": NEW_PASSWORD},
            headers={"x-csrf-token": csrf},
        )
        assert changed.status_code == 200
        assert (await before.get("/api/v1/storefront/me")).status_code == 401
    async with _buyer_signed_in(app, NEW_PASSWORD) as after:
        assert (await after.get("/api/v1/storefront/me")).status_code == 200
    rows = (await db.execute(select(AuditLog))).scalars().all()
    assert [(r.action, r.admin_email, r.subject, r.details) for r in rows] == [
        (
            "user.password_set",
            "owner@alpha.example",
            "buyer@alpha.example",
            {"user_id": str(world.a.user.id), "sessions_ended": 1},
        )
    ]


async def test_the_user_page_sets_a_password_the_same_way(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "admin@alpha.example")
    page = await client.get(f"/admin/users/{world.a.user.id}")
    assert 'name="password"' in page.text
    saved = await client.post(
        f"/admin/users/{world.a.user.id}",
        data=_user_form(world, csrf, password=NEW_PASSWORD),
    )
    assert saved.status_code == 303
    actions = (await db.execute(select(AuditLog.action, AuditLog.admin_email))).all()
    assert actions == [("user.password_set", "admin@alpha.example")]
