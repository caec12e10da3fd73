"""Arrangement helpers shared by the events and notification tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin
from erpgate.config import Settings
from erpgate.customer import service as customer_service
from erpgate.erp.attempts import AttemptRecord
from erpgate.erp.contract import OrdersListResponse
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpError, ErpNotFoundError, ErpServerStatusError
from erpgate.erp.outcome import Actor, ErpCall, Outcome
from erpgate.erp.targets import ErpTarget
from erpgate.integration import service as integration_service
from erpgate.kit.crypto import SecretBox
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.outcomes.rows import event_row
from erpgate.store import service as store_service

ADMIN_PASSWORD = "correct horse battery"


@dataclass
class Shop:
    store: Store
    account: CustomerAccount
    buyer: User


async def make_shop(
    db: AsyncSession,
    settings: Settings,
    *,
    slug: str = "acme",
    erp_urls: dict[str, str] | None = None,
    token: str = "mock-token",  # noqa: S107 (the mock ERP's test credential)
    key: str = "",
    auth_style: str = "bearer",
    token_url: str | None = None,
    sender: str | None = "alerts@acme.example.com",
    receivers: list[str] | None = None,
) -> Shop:
    store = await store_service.create_store(db, slug=slug, name=slug.title())
    await integration_service.install(
        db,
        store.id,
        SecretBox(settings.encryption_keys),
        key=key,
        token=token,
        auth_style=auth_style,
        oauth_token_url=token_url,
        urls={Endpoint(name): url for name, url in (erp_urls or {}).items()},
        notify_sender=sender,
        notify_receivers=["it@acme.example.com"] if receivers is None else receivers,
    )
    account = await customer_service.create_account(
        db, store.id, name="Acme Industrial Supply", customer_code="C0004935"
    )
    buyer = await customer_service.create_buyer(
        db,
        store.id,
        customer_account_id=account.id,
        email=f"buyer@{slug}.example.com",
        password="buyer-password-1",
        name="Bea Buyer",
    )
    await db.commit()
    return Shop(store, account, buyer)


async def sign_in_admin(
    client: httpx.AsyncClient,
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    role: str = "owner",
    email: str | None = None,
) -> str:
    """Create an admin of the store and sign the client in; returns the CSRF token."""
    email = email or f"{role}-{store_id.hex[:6]}@example.com"
    await create_admin(
        db, store_id=store_id, email=email, password=ADMIN_PASSWORD, role=role, name=role.title()
    )
    await db.commit()
    answer = await client.post(
        "/api/v1/admin/auth/login", json={"email": email, "password": ADMIN_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    return token


def attempt(
    store_id: uuid.UUID | None,
    trace_id: str,
    *,
    request_body: bytes = b'{"customer_code":"C0004935"}',
    response_body: bytes = b'{"data":[]}',
    response_headers: list[tuple[str, str]] | None = None,
    request_headers: list[tuple[str, str]] | None = None,
    status: int | None = 200,
    endpoint: str = "orders",
    request_id: str = "req_0001",
) -> AttemptRecord:
    return AttemptRecord(
        request_id=request_id,
        trace_id=trace_id,
        store_id=store_id,
        endpoint=endpoint,
        method="POST",
        url="http://127.0.0.1:9/erp/orders",
        started_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        duration_ms=12.5,
        request_headers=request_headers
        or [("Content-Type", "application/json"), ("Authorization", "••••")],
        request_body=request_body,
        status=status,
        response_headers=response_headers or [("Content-Type", "application/json")],
        response_body=response_body,
    )


def outcome_row(
    store_id: uuid.UUID,
    *,
    trace_id: str,
    endpoint: Endpoint = Endpoint.ORDERS,
    outcome: str = "success",
    code: str = "C0004935",
    at: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    error: str = "",
    reference: str | None = None,
    problem_id: uuid.UUID | None = None,
    requests_kept: bool = True,
    user_id: uuid.UUID | None = None,
    customer_account_id: uuid.UUID | None = None,
) -> dict[str, object]:
    """An event row as the writer builds it, for arranging the events pages."""
    target = ErpTarget(
        store_id=store_id,
        endpoint=endpoint,
        url="http://127.0.0.1:9/erp/orders",
        timeout_seconds=5.0,
        credentials=Credentials(token="t"),
    )
    actor = Actor(
        source="storefront",
        customer_code=code,
        user_id=user_id,
        customer_account_id=customer_account_id,
    )
    call = ErpCall(endpoint, b"{}", OrdersListResponse, actor, code, trace_id=trace_id)
    failure: ErpError | None = None
    if outcome == "error":
        failure = ErpServerStatusError(error or "ERP answered 500 Internal Server Error")
    elif outcome == "not_found":
        failure = ErpNotFoundError("ERP answered not found (404)")
    result = Outcome(target, call, at, error=failure)
    return event_row(
        result,
        uuid.uuid4(),
        problem_id=problem_id,
        reference=reference,
        requests_kept=requests_kept,
    )
