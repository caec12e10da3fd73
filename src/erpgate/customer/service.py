"""Customer account and buyer rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth.passwords import hash_password
from erpgate.customer import repository
from erpgate.errors import Conflict, NotFound, ValidationFailed
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.user import PERMISSIONS, User


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"Not a valid e-mail address: {exc}", fields={"email": str(exc)}
        ) from None


def check_permissions(permissions: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(p.strip().lower() for p in permissions if p.strip()))
    unknown = [p for p in chosen if p not in PERMISSIONS]
    if unknown:
        raise ValidationFailed(
            f"Unknown permission(s): {', '.join(unknown)}. Known: {', '.join(PERMISSIONS)}.",
            fields={"permissions": "unknown permission"},
        )
    return chosen


async def create_account(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    name: str,
    customer_code: str,
    seller_reference: str | None = None,
) -> CustomerAccount:
    code = customer_code.strip()
    if not code or len(code) > 64 or any(c.isspace() for c in code):
        raise ValidationFailed(
            "A customer code is the ERP's account number: 1-64 characters, no spaces.",
            fields={"customer_code": "invalid"},
        )
    if not name.strip():
        raise ValidationFailed("A customer account needs a name.", fields={"name": "required"})
    if await repository.get_account_by_code(db, store_id, code):
        raise Conflict(f"Customer code {code} is used by another account.")
    account = CustomerAccount(
        store_id=store_id,
        name=name.strip(),
        customer_code=code,
        seller_reference=(seller_reference or "").strip() or None,
    )
    await repository.add(db, account)
    return account


async def create_buyer(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    customer_account_id: uuid.UUID,
    email: str,
    password: str | None,
    name: str = "",
    permissions: Iterable[str] = PERMISSIONS,
) -> User:
    address = normalize_email(email)
    if await repository.get_account(db, store_id, customer_account_id) is None:
        raise NotFound("No such customer account in this store.")
    if await repository.get_user_by_email(db, store_id, address):
        raise Conflict(f"A user with e-mail {address} exists already.")
    if password is not None and len(password) < 8:
        raise ValidationFailed(
            "A password has at least 8 characters.", fields={"password": "too short"}
        )
    user = User(
        store_id=store_id,
        customer_account_id=customer_account_id,
        email=address,
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        permissions=check_permissions(permissions),
    )
    await repository.add(db, user)
    return user


async def get_account(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID
) -> CustomerAccount:
    account = await repository.get_account(db, store_id, account_id)
    if account is None:
        raise NotFound("No such customer account.")
    return account


async def get_user(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = await repository.get_user(db, store_id, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


async def find_user_by_email(db: AsyncSession, store_id: uuid.UUID, email: str) -> User | None:
    return await repository.get_user_by_email(db, store_id, email.strip())


async def find_account_by_code(
    db: AsyncSession, store_id: uuid.UUID, customer_code: str
) -> CustomerAccount | None:
    return await repository.get_account_by_code(db, store_id, customer_code.strip())
