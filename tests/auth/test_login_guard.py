"""Sign-ins under load: one database connection at a time, the attempt reserved before the password
is checked, so concurrency can neither exhaust the pool nor slip past the limit."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import passwords
from erpgate.models.login_attempt import LoginAttempt
from tests.auth.helpers import seed_store

PASSWORD = "right-password-1"
# A generous bound: the calls must complete, however slow the machine (timings are not asserted).
COMPLETES_WITHIN_SECONDS = 120


@dataclass
class Accounts:
    buyer_email: str
    admin_email: str


@pytest.fixture
async def accounts(db: AsyncSession) -> Accounts:
    emails = Accounts(buyer_email="ann@example.com", admin_email="owner@example.com")
    await seed_store(
        db,
        slug="north",
        buyer_email=emails.buyer_email,
        owner_email=emails.admin_email,
        password=PASSWORD,
    )
    return emails


def _client(app: FastAPI, address: str) -> httpx.AsyncClient:
    # A server error comes back as a 500 answer, as a real client would see it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def attacker(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, "203.0.113.9") as client:
        yield client


@pytest.fixture
async def office(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, "198.51.100.20") as client:
        yield client


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Counts the password checks (argon2 verifications), whichever sign-in runs them."""
    count = 0
    lock = threading.Lock()
    verify = passwords._verify

    def counting(password_hash: str | None, password: str) -> bool:
        nonlocal count
        with lock:
            count += 1
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "_verify", counting)
    return lambda: count


async def test_a_flood_of_bad_sign_ins_leaves_connections_for_everyone_else(
    accounts: Accounts, attacker: httpx.AsyncClient, office: httpx.AsyncClient
) -> None:
    signed_in = await office.post(
        "/api/v1/admin/auth/login", json={"email": accounts.admin_email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    flood = [
        attacker.post(
            "/api/v1/auth/login", json={"email": f"nobody{i}@example.com", "password": "wrong"}
        )
        for i in range(200)
    ]
    async with asyncio.timeout(COMPLETES_WITHIN_SECONDS):
        *answers, admin_read = await asyncio.gather(*flood, office.get("/api/v1/admin/customers"))
    assert admin_read.status_code == 200
    assert admin_read.json()["total"] == 1
    # 20 failures per address, then the address is locked; nothing else, no server error.
    assert Counter(a.status_code for a in answers) == {401: 20, 429: 180}
    assert {a.json()["error"] for a in answers} == {"unauthorized", "too_many_requests"}


async def test_concurrent_wrong_passwords_reach_the_password_check_five_times(
    accounts: Accounts,
    attacker: httpx.AsyncClient,
    password_checks: Callable[[], int],
    db: AsyncSession,
) -> None:
    guesses = [
        attacker.post(
            "/api/v1/auth/login",
            json={"email": accounts.buyer_email, "password": f"guess-{i}", "store": "north"},
        )
        for i in range(20)
    ]
    async with asyncio.timeout(COMPLETES_WITHIN_SECONDS):
        answers = await asyncio.gather(*guesses)
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 15
    assert password_checks() == 5
    stored = await db.scalar(select(func.count()).select_from(LoginAttempt))
    assert stored == 5


async def test_concurrent_wrong_admin_passwords_reach_the_password_check_five_times(
    accounts: Accounts, attacker: httpx.AsyncClient, password_checks: Callable[[], int]
) -> None:
    guesses = [
        attacker.post(
            "/api/v1/admin/auth/login",
            json={"email": accounts.admin_email, "password": f"guess-{i}"},
        )
        for i in range(20)
    ]
    async with asyncio.timeout(COMPLETES_WITHIN_SECONDS):
        answers = await asyncio.gather(*guesses)
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 15
    assert password_checks() == 5
