"""Admin test helpers: two stores with one admin of each role in store A, signed in over the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin
from erpgate.customer import service as customer_service
from erpgate.models.audit_log import AuditLog
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.event import Event
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.store.service import create_store

PASSWORD = "correct-horse-battery"


@dataclass
class Tenant:
    store: Store
    account: CustomerAccount
    user: User


@dataclass
class World:
    a: Tenant
    b: Tenant


async def _tenant(db: AsyncSession, slug: str) -> Tenant:
    store = await create_store(db, slug=slug, name=slug.title())
    account = await customer_service.create_account(
        db, store.id, name=f"{slug} Customer", customer_code=f"C-{slug.upper()}"
    )
    user = await customer_service.create_buyer(
        db,
        store.id,
        customer_account_id=account.id,
        email=f"buyer@{slug}.example",
        password="buyer-password",
        name=f"{slug} Buyer",
    )
    for role in ("owner", "admin", "developer", "support"):
        await create_admin(
            db, store_id=store.id, email=f"{role}@{slug}.example", password=PASSWORD, role=role
        )
    return Tenant(store, account, user)


@pytest.fixture
async def world(db: AsyncSession) -> World:
    a = await _tenant(db, "alpha")
    b = await _tenant(db, "beta")
    await db.commit()
    return World(a, b)


async def sign_in(client: httpx.AsyncClient, email: str) -> str:
    """Sign in over the JSON API; returns the CSRF token and leaves the cookie on the client."""
    response = await client.post(
        "/api/v1/admin/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf


def erp_event(
    store_id: uuid.UUID, endpoint: str, outcome: str, at: datetime, ms: float, n: int
) -> Event:
    """A stored ERP call of ``ms`` milliseconds; ``n`` makes its trace id."""
    return Event(
        store_id=store_id,
        type=f"erp.{endpoint}",
        outcome=outcome,
        source="storefront",
        occurred_at=at,
        trace_id=f"{n:032x}",
        endpoint=endpoint,
        error="The ERP did not answer in time" if outcome == "error" else "",
        duration_ms=ms,
    )


async def settings_changes(db: AsyncSession) -> list[dict[str, Any]]:
    """The details of every integration settings change in the audit log, oldest first."""
    details = await db.execute(
        select(AuditLog.details)
        .where(AuditLog.action == "integration.settings_changed")
        .order_by(AuditLog.occurred_at)
    )
    return list(details.scalars())
