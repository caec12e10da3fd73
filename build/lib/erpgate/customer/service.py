"""Customer account and buyer rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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


def _column_length(column: Any) -> int:
    length: int = column.property.columns[0].type.length
    return length


# One length rule per field, the column's size, for create, edit, the CSV import and the API.
ACCOUNT_NAME_MAX = _column_length(CustomerAccount.name)
CUSTOMER_CODE_MAX = _column_length(CustomerAccount.customer_code)
SELLER_REFERENCE_MAX = _column_length(CustomerAccount.seller_reference)
USER_NAME_MAX = _column_length(User.name)
EMAIL_MAX = _column_length(User.email)
PASSWORD_MIN = 8
# Long enough for any passphrase or manager; a longer one would only cost hashing time.
PASSWORD_MAX = 1024


def too_long(value: str, limit: int) -> str | None:
    """The words for a value over its limit (a field's error, a CSV row's error), or None."""
    return f"At most {limit} characters." if len(value) > limit else None


def check_length(value: str, field: str, label: str, limit: int) -> str:
    """``value`` stripped, or ValidationFailed naming ``field`` when it is over ``limit``."""
    text = value.strip()
    problem = too_long(text, limit)
    if problem is not None:
        raise ValidationFailed(
            f"The {label} has at most {limit} characters.", fields={field: problem}
        )
    return text


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
    account = CustomerAccount(
        store_id=store_id,
        name=check_account_name(name),
        customer_code=code,
        seller_reference=check_seller_reference(seller_reference or ""),
    )
    await _check_code_free(db, store_id, code)
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
        name=check_length(name, "name", "name", USER_NAME_MAX),
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


async def find_user(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    """The store's user, or None when there is none (any more)."""
    return await repository.get_user(db, store_id, user_id)


async def find_account(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID
) -> CustomerAccount | None:
    """The store's customer account, or None when there is none (any more)."""
    return await repository.get_account(db, store_id, account_id)


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
    # Every field is checked before any is changed.
    code = check_customer_code(customer_code) if customer_code is not None else None
    new_name = check_account_name(name) if name is not None else None
    reference = check_seller_reference(seller_reference) if seller_reference is not None else None
    if code is not None:
        await _check_code_free(db, store_id, code, owner=account.id)
        account.customer_code = code
    if new_name is not None:
        account.name = new_name
    if seller_reference is not None:
        account.seller_reference = reference
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
    new_name = check_length(name, "name", "name", USER_NAME_MAX) if name is not None else None
    if email is not None:
        address = normalize_email(email)
        await _check_email_free(db, store_id, address, owner=user.id)
        user.email = address
    if customer_account_id is not None:
        await get_account(db, store_id, customer_account_id)
        user.customer_account_id = customer_account_id
    if new_name is not None:
        user.name = new_name
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
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed(
            f"A password has at least {PASSWORD_MIN} characters.", fields={"password": "too short"}
        )
    check_length(password, "password", "password", PASSWORD_MAX)


def check_account_name(name: str) -> str:
    text = check_length(name, "name", "name", ACCOUNT_NAME_MAX)
    if not text:
        raise ValidationFailed("A customer account needs a name.", fields={"name": "required"})
    return text


def check_seller_reference(reference: str) -> str | None:
    return (
        check_length(reference, "seller_reference", "seller reference", SELLER_REFERENCE_MAX)
        or None
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


CUSTOMER_CODE_RULE = f"1-{CUSTOMER_CODE_MAX} characters, no spaces."


def customer_code_problem(code: str) -> str | None:
    """What is wrong with a (stripped) customer code, in words for its field; None if nothing."""
    if not code or any(c.isspace() for c in code):
        return CUSTOMER_CODE_RULE
    return too_long(code, CUSTOMER_CODE_MAX)


def check_customer_code(customer_code: str) -> str:
    code = customer_code.strip()
    problem = customer_code_problem(code)
    if problem is not None:
        raise ValidationFailed(
            f"A customer code is the ERP's account number: {CUSTOMER_CODE_RULE}",
            fields={"customer_code": problem},
        )
    return code
