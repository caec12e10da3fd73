"""Store rules: slugs, currencies, locales, fallback tax and built-in shipping methods."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.errors import Conflict, NotFound, ValidationFailed
from erpgate.kit.locales import DEFAULT_LOCALE, LocaleError, check_locale
from erpgate.models.store import DEFAULT_BUILTIN_SHIPPING, Store
from erpgate.store import repository

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def _check_tax_rate(rate: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        raise ValidationFailed(
            "The fallback tax rate must be a number.", fields={"fallback_tax_rate": "not a number"}
        ) from None
    if not value.is_finite() or value < 0 or value > 1:
        raise ValidationFailed(
            "The fallback tax rate is a fraction between 0 and 1 (0.0725 for 7.25%).",
            fields={"fallback_tax_rate": "must be between 0 and 1"},
        )
    return value


def _check_locale(text: str) -> str:
    try:
        return check_locale(text)
    except LocaleError as exc:
        raise ValidationFailed(str(exc), fields={"locale": str(exc)}) from None


async def create_store(
    db: AsyncSession,
    *,
    slug: str,
    name: str,
    currency: str = "USD",
    locale: str = DEFAULT_LOCALE,
    fallback_tax_rate: Decimal | str = Decimal("0"),
    builtin_shipping_methods: list[dict[str, Any]] | None = None,
) -> Store:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise ValidationFailed(
            "A store slug is lower-case letters, digits and dashes.", fields={"slug": "invalid"}
        )
    currency = currency.strip().upper()
    if not CURRENCY.match(currency):
        raise ValidationFailed(
            "Currency is an ISO 4217 code such as USD.", fields={"currency": "invalid"}
        )
    if not name.strip():
        raise ValidationFailed("A store needs a name.", fields={"name": "required"})
    if await repository.get_by_slug(db, slug):
        raise Conflict(f"A store with slug {slug!r} exists already.")
    store = Store(
        slug=slug,
        name=name.strip(),
        currency=currency,
        locale=_check_locale(locale),
        fallback_tax_rate=_check_tax_rate(fallback_tax_rate),
        builtin_shipping_methods=builtin_shipping_methods or list(DEFAULT_BUILTIN_SHIPPING),
    )
    return await repository.add(db, store)


async def get_store(db: AsyncSession, store_id: uuid.UUID) -> Store:
    store = await repository.get_by_id(db, store_id)
    if store is None:
        raise NotFound("No such store.")
    return store


async def set_locale(db: AsyncSession, store_id: uuid.UUID, locale: str) -> tuple[Store, str]:
    """Change the locale the store's pages are shown in; returns the store and its locale before.
    ValidationFailed (field ``locale``) for one Babel has no data for: nothing changes."""
    store = await get_store(db, store_id)
    before, store.locale = store.locale, _check_locale(locale)
    await db.flush()
    return store, before


async def find_store_by_slug(db: AsyncSession, slug: str) -> Store | None:
    # Slugs come from URLs and sign-in forms; what cannot be a slug names no store, and must not
    # reach the database (PostgreSQL refuses a NUL character in text: that was a 500).
    if not SLUG.match(slug):
        return None
    return await repository.get_by_slug(db, slug)


async def list_stores(db: AsyncSession) -> list[Store]:
    return await repository.list_all(db)
