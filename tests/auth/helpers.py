"""Helpers for sign-in tests: a store with a buyer and an owner, the login-CSRF token a sign-in
page hands out."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import create_admin
from erpgate.auth.login_csrf import LOGIN_CSRF_COOKIE
from erpgate.customer import service as customer_service
from erpgate.store.service import create_store

_FIELD = re.compile(r'<input type="hidden" name="login_csrf" value="([^"]+)">')


async def login_form_token(client: httpx.AsyncClient, path: str) -> str:
    """Open the sign-in page like a browser; returns its hidden token (the cookie stays set)."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    match = _FIELD.search(page.text)
    assert match is not None, "the sign-in form has no login_csrf field"
    assert client.cookies[LOGIN_CSRF_COOKIE] == match.group(1)
    return match.group(1)


async def seed_store(
    db: AsyncSession, *, slug: str, buyer_email: str, owner_email: str, password: str
) -> None:
    """A store with one customer account, one buyer of it and one owner, committed."""
    store = await create_store(db, slug=slug, name=slug.title())
    account = await customer_service.create_account(
        db, store.id, name=f"{slug.title()} Co", customer_code=f"C-{slug.upper()}"
    )
    await customer_service.create_buyer(
        db, store.id, customer_account_id=account.id, email=buyer_email, password=password
    )
    await create_admin(db, store_id=store.id, email=owner_email, password=password, role="owner")
    await db.commit()
