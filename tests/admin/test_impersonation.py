"""Login on storefront: who may, the time-boxed buyer session, ending it, and the audit log."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import service as auth_service
from erpgate.auth.cookies import BUYER_COOKIE
from erpgate.kit.clock import Clock, ensure_utc
from erpgate.models.audit_log import AuditLog
from tests.admin.conftest import World, sign_in


async def test_a_support_admin_may_not_impersonate(world: World, client: httpx.AsyncClient) -> None:
    csrf = await sign_in(client, "support@alpha.example")
    page = await client.get(f"/admin/users/{world.a.user.id}")
    assert "Login on storefront" not in page.text
    response = await client.post(
        f"/admin/users/{world.a.user.id}/impersonate",
        data={"csrf_token": csrf},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 403
    assert BUYER_COOKIE not in client.cookies


async def test_impersonation_starts_a_time_boxed_buyer_session_and_ends_with_audit_rows(
    world: World, client: httpx.AsyncClient, db: AsyncSession, clock: Clock, app: FastAPI
) -> None:
    clock.freeze(clock.now())
    user_id, store_id = world.a.user.id, world.a.store.id
    csrf = await sign_in(client, "developer@alpha.example")
    page = await client.get(f"/admin/users/{user_id}")
    assert "Login on storefront" in page.text
    started = await client.post(f"/admin/users/{user_id}/impersonate", data={"csrf_token": csrf})
    assert started.status_code == 303
    assert started.headers["location"] == "/store/alpha/"
    token = client.cookies[BUYER_COOKIE]
    record = await auth_service.resolve_session(db, token, kind="buyer", now=clock.now())
    assert record is not None
    assert record.principal_id == user_id and record.store_id == store_id
    assert record.impersonator_admin_id is not None
    minutes = app.state.erpgate.settings.impersonation_minutes
    assert (ensure_utc(record.expires_at) - clock.now()).total_seconds() == minutes * 60

    refused = await client.post(
        "/admin/impersonation/end",
        data={"csrf_token": "wrong"},
        headers={"accept": "application/json"},
    )
    assert refused.status_code == 403
    ended = await client.post("/admin/impersonation/end", data={"csrf_token": record.csrf_token})
    assert ended.status_code == 303
    assert ended.headers["location"] == f"/admin/users/{user_id}?done=ended"
    db.expire_all()
    assert await auth_service.resolve_session(db, token, kind="buyer", now=clock.now()) is None

    rows = (await db.execute(select(AuditLog).order_by(AuditLog.action.desc()))).scalars().all()
    assert [(r.action, r.admin_email, r.subject) for r in rows] == [
        ("impersonation.started", "developer@alpha.example", "buyer@alpha.example"),
        ("impersonation.ended", "developer@alpha.example", "buyer@alpha.example"),
    ]
    audit_page = await client.get("/admin/audit")
    assert audit_page.text.count("buyer@alpha.example") >= 2
    assert "impersonation.started" in audit_page.text
    api = (await client.get("/api/v1/admin/audit?action=impersonation.ended")).json()
    assert api["total"] == 1 and api["items"][0]["details"]["user_id"] == str(user_id)


async def test_the_buyer_session_expires_on_its_own(
    world: World, client: httpx.AsyncClient, db: AsyncSession, clock: Clock, app: FastAPI
) -> None:
    clock.freeze(clock.now())
    csrf = await sign_in(client, "owner@alpha.example")
    await client.post(f"/admin/users/{world.a.user.id}/impersonate", data={"csrf_token": csrf})
    token = client.cookies[BUYER_COOKIE]
    clock.advance(minutes=app.state.erpgate.settings.impersonation_minutes, seconds=1)
    assert await auth_service.resolve_session(db, token, kind="buyer", now=clock.now()) is None


async def test_sign_out_everywhere_ends_the_admins_storefront_sessions_too(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    await client.post(f"/admin/users/{world.a.user.id}/impersonate", data={"csrf_token": csrf})
    assert BUYER_COOKIE in client.cookies
    # Read once, so this process caches the buyer behind the impersonation cookie.
    assert (await client.get("/api/v1/storefront/me")).status_code == 200
    ended = await client.post(
        "/api/v1/admin/auth/logout-everywhere", headers={"x-csrf-token": csrf}
    )
    assert ended.json() == {"sessions_ended": 1, "storefront_sessions_ended": 1}
    assert BUYER_COOKIE in client.cookies
    me = await client.get("/api/v1/storefront/me")
    assert me.status_code == 401
    quote = await client.post(
        "/api/v1/storefront/checkout/quote",
        json={"lines": [{"sku": "A-1", "quantity": 1}], "ship_to": {"address1": "1 Main St"}},
    )
    assert quote.status_code == 401
    rows = (await db.execute(select(AuditLog.action, AuditLog.details))).all()
    assert ("admin.sessions_ended", {"sessions": 1, "storefront_sessions": 1}) in rows
