"""Customer account and buyer rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth.passwords import hash_password
from erpgate.auth.service import sessions_changed
from erpgate.customer import repository
from erpgate.errors import Conflict, NotFound, ValidationFailed
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.user import PERMISSIONS, User
from erpgate.web.params import offset

T = TypeVar("T")


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
    code = check_customer_code(customer_code)
    if not name.strip():
        raise ValidationFailed("A customer account needs a name.", fields={"name": "required"})
    await _check_code_free(db, store_id, code)
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
    await _check_email_free(db, store_id, address)
    if password is not None:
        check_new_password(password)
    user = User(
        store_id=store_id,
        customer_account_id=customer_account_id,
        email=address,
        name=name.strip(),
        password_hash=await hash_password(password) if password else None,
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


PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def list_accounts(
    db: AsyncSession, store_id: uuid.UUID, *, search: str = "", page: int = 1
) -> Page[CustomerAccount]:
    items, total = await repository.search_accounts(
        db, store_id, search.strip(), offset=offset(page, PAGE_SIZE), limit=PAGE_SIZE
    )
    return Page(items, total, page, PAGE_SIZE)


async def list_users(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    search: str = "",
    customer_account_id: uuid.UUID | None = None,
    page: int = 1,
) -> Page[tuple[User, CustomerAccount]]:
    items, total = await repository.search_users(
        db,
        store_id,
        search.strip(),
        customer_account_id=customer_account_id,
        offset=offset(page, PAGE_SIZE),
        limit=PAGE_SIZE,
    )
    return Page(items, total, page, PAGE_SIZE)


async def update_account(
    db: AsyncSession,
    store_id: uuid.UUID,
    account_id: uuid.UUID,
    *,
    name: str | None = None,
    customer_code: str | None = None,
    seller_reference: str | None = None,
) -> CustomerAccount:
    """Change the given fields; None leaves a field alone, "" clears the seller reference."""
    account = await get_account(db, store_id, account_id)
    if customer_code is not None:
        code = check_customer_code(customer_code)
        await _check_code_free(db, store_id, code, owner=account.id)
        account.customer_code = code
    if name is not None:
        if not name.strip():
            raise ValidationFailed("A customer account needs a name.", fields={"name": "required"})
        account.name = name.strip()[:200]
    if seller_reference is not None:
        account.seller_reference = seller_reference.strip()[:128] or None
    await db.flush()
    sessions_changed(db)
    return account


async def update_user(
    db: AsyncSession,
    store_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    name: str | None = None,
    email: str | None = None,
    customer_account_id: uuid.UUID | None = None,
    permissions: Iterable[str] | None = None,
    is_active: bool | None = None,
) -> User:
    """Change the given fields of a buyer; None leaves a field alone. (The password has its own
    ``set_password``: the admin console audits it and ends the buyer's sessions.)"""
    user = await get_user(db, store_id, user_id)
    if email is not None:
        address = normalize_email(email)
        await _check_email_free(db, store_id, address, owner=user.id)
        user.email = address
    if customer_account_id is not None:
        await get_account(db, store_id, customer_account_id)
        user.customer_account_id = customer_account_id
    if name is not None:
        user.name = name.strip()[:200]
    if permissions is not None:
        user.permissions = check_permissions(permissions)
    if is_active is not None:
        user.is_active = is_active
    await db.flush()
    sessions_changed(db)
    return user


async def set_password(
    db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID, password: str
) -> User:
    """Give a buyer a new password (the one password rule applies)."""
    user = await get_user(db, store_id, user_id)
    check_new_password(password)
    user.password_hash = await hash_password(password)
    await db.flush()
    return user


def check_new_password(password: str) -> None:
    """The one password rule, for buyers and admins alike."""
    if len(password) < 8:
        raise ValidationFailed(
            "A password has at least 8 characters.", fields={"password": "too short"}
        )


async def _check_code_free(
    db: AsyncSession, store_id: uuid.UUID, code: str, *, owner: uuid.UUID | None = None
) -> None:
    """A customer code names one account of the store; ``owner`` may keep its own."""
    other = await repository.get_account_by_code(db, store_id, code)
    if other is not None and other.id != owner:
        raise Conflict(f"Customer code {code} is used by another account.")


async def _check_email_free(
    db: AsyncSession, store_id: uuid.UUID, address: str, *, owner: uuid.UUID | None = None
) -> None:
    """An e-mail address signs in one buyer of the store; ``owner`` may keep its own."""
    other = await repository.get_user_by_email(db, store_id, address)
    if other is not None and other.id != owner:
        raise Conflict(f"A user with e-mail {address} exists already.")


def check_customer_code(customer_code: str) -> str:
    code = customer_code.strip()
    if not code or len(code) > 64 or any(c.isspace() for c in code):
        raise ValidationFailed(
            "A customer code is the ERP's account number: 1-64 characters, no spaces.",
            fields={"customer_code": "invalid"},
        )
    return code
