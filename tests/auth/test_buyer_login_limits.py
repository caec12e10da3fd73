"""Buyer sign-in limits: per account (e-mail within its store) and per address, in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin
from erpgate.customer import service as customer_service
from erpgate.kit.clock import Clock
from erpgate.models.login_attempt import LoginAttempt
from erpgate.models.store import Store
from erpgate.store.service import create_store
from tests.auth.helpers import login_form_token

PASSWORD = "buyer-password-1"
ACCOUNT_LOCKED = {
    "error": "too_many_requests",
    "message": "Too many failed sign-ins for this account. Try again in 15 minutes.",
    "retry_after_minutes": 15,
}


@dataclass
class Stores:
    north: Store
    south: Store


async def _store_with_buyers(db: AsyncSession, slug: str, emails: list[str]) -> Store:
    store = await create_store(db, slug=slug, name=slug.title())
    account = await customer_service.create_account(
        db, store.id, name=f"{slug} Co", customer_code=f"C-{slug.upper()}"
    )
    for email in emails:
        await customer_service.create_buyer(
            db, store.id, customer_account_id=account.id, email=email, password=PASSWORD, name=email
        )
    return store


@pytest.fixture
async def stores(db: AsyncSession, clock: Clock) -> Stores:
    clock.freeze(clock.now())
    north = await _store_with_buyers(db, "north", ["ann@example.com", "bob@example.com"])
    # ann is a buyer of both stores; her two accounts have their own counts.
    south = await _store_with_buyers(db, "south", ["ann@example.com"])
    await db.commit()
    return Stores(north, south)


async def _login(
    client: httpx.AsyncClient, email: str, password: str, store: str | None = "north"
) -> httpx.Response:
    body = {"email": email, "password": password}
    if store is not None:
        body["store"] = store
    return await client.post("/api/v1/auth/login", json=body)


async def test_five_failures_lock_the_account_until_the_window_passes(
    stores: Stores, client: httpx.AsyncClient, clock: Clock, db: AsyncSession
) -> None:
    for _ in range(5):
        assert (await _login(client, "ann@example.com", "wrong")).status_code == 401
    locked = await _login(client, "ann@example.com", PASSWORD)
    assert locked.status_code == 429
    assert locked.json() == ACCOUNT_LOCKED
    assert "set-cookie" not in locked.headers
    rows = (await db.execute(select(LoginAttempt))).scalars().all()
    assert {(r.kind, r.store_id, r.email, r.succeeded) for r in rows} == {
        ("buyer", stores.north.id, "ann@example.com", False)
    }
    assert len(rows) == 5  # the refused attempt is not counted
    clock.advance(minutes=10)
    assert (await _login(client, "ann@example.com", PASSWORD)).json()["message"] == (
        "Too many failed sign-ins for this account. Try again in 5 minutes."
    )
    clock.advance(minutes=5, seconds=1)
    assert (await _login(client, "ann@example.com", PASSWORD)).status_code == 200


async def test_a_lock_holds_one_account_only(
    stores: Stores, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    await create_admin(
        db, store_id=stores.north.id, email="ann@example.com", password=PASSWORD, role="owner"
    )
    await db.commit()
    for _ in range(5):
        await _login(client, "ann@example.com", "wrong")
    assert (await _login(client, "ann@example.com", PASSWORD)).status_code == 429
    assert (await _login(client, "bob@example.com", PASSWORD)).status_code == 200
    # The same e-mail in another store, and the admin with that e-mail, are other accounts.
    assert (await _login(client, "ann@example.com", PASSWORD, store="south")).status_code == 200
    admin = await client.post(
        "/api/v1/admin/auth/login", json={"email": "ann@example.com", "password": PASSWORD}
    )
    assert admin.status_code == 200


async def test_sign_in_without_a_store_counts_for_the_buyers_own_store(
    stores: Stores, client: httpx.AsyncClient
) -> None:
    for _ in range(3):
        await _login(client, "bob@example.com", "wrong", store=None)
    for _ in range(2):
        await _login(client, "BOB@example.com ", "wrong")
    assert (await _login(client, "bob@example.com", PASSWORD, store=None)).json() == ACCOUNT_LOCKED


async def test_a_success_clears_the_accounts_failures(
    stores: Stores, client: httpx.AsyncClient, clock: Clock
) -> None:
    for _ in range(4):
        await _login(client, "ann@example.com", "wrong")
    clock.advance(seconds=1)
    assert (await _login(client, "ann@example.com", PASSWORD)).status_code == 200
    clock.advance(seconds=1)
    for _ in range(4):
        assert (await _login(client, "ann@example.com", "wrong")).status_code == 401
    assert (await _login(client, "ann@example.com", PASSWORD)).status_code == 200
    clock.advance(seconds=1)
    for _ in range(5):
        await _login(client, "ann@example.com", "wrong")
    assert (await _login(client, "ann@example.com", PASSWORD)).status_code == 429


@pytest.fixture
async def other_address(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_twenty_failures_from_one_address_block_that_address_only(
    stores: Stores, client: httpx.AsyncClient, other_address: httpx.AsyncClient
) -> None:
    for i in range(20):
        assert (await _login(client, f"nobody{i}@example.com", "wrong")).status_code == 401
    blocked = await _login(client, "bob@example.com", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json() == {
        "error": "too_many_requests",
        "message": "Too many failed sign-ins from your network address. Try again in 15 minutes.",
        "retry_after_minutes": 15,
    }
    assert (await _login(other_address, "bob@example.com", PASSWORD)).status_code == 200


async def test_the_sign_in_page_shows_the_lock(stores: Stores, client: httpx.AsyncClient) -> None:
    token = await login_form_token(client, "/store/north/login")
    for _ in range(5):
        wrong = await client.post(
            "/store/north/login",
            data={"email": "ann@example.com", "password": "wrong", "login_csrf": token},
        )
        assert wrong.status_code == 401
        assert "Wrong e-mail or password." in wrong.text
    page = await client.post(
        "/store/north/login",
        data={"email": "ann@example.com", "password": PASSWORD, "login_csrf": token},
    )
    assert page.status_code == 429
    assert "Too many failed sign-ins for this account. Try again in 15 minutes." in page.text
    assert 'value="ann@example.com"' in page.text
    assert f'name="login_csrf" value="{token}"' in page.text
