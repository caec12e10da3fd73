from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.errors import Conflict, ValidationFailed
from erpgate.store.service import create_store, find_store_by_slug, get_store, set_locale


async def test_create_store_normalises_and_keeps_defaults(db: AsyncSession) -> None:
    store = await create_store(
        db, slug=" Acme-West ", name=" Acme ", currency="eur", fallback_tax_rate="0.2"
    )
    await db.commit()
    assert (store.slug, store.name, store.currency) == ("acme-west", "Acme", "EUR")
    assert store.fallback_tax_rate == Decimal("0.2")
    assert [m["code"] for m in store.builtin_shipping_methods] == ["standard", "pickup"]
    assert store.locale == "en_US"
    assert (await find_store_by_slug(db, "acme-west")) is store


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"slug": "no spaces"}, "slug"),
        ({"slug": "-x"}, "slug"),
        ({"currency": "dollars"}, "currency"),
        ({"name": "  "}, "name"),
        ({"fallback_tax_rate": "abc"}, "fallback_tax_rate"),
        ({"fallback_tax_rate": "1.5"}, "fallback_tax_rate"),
        ({"fallback_tax_rate": "-0.1"}, "fallback_tax_rate"),
        ({"locale": "xx_XX"}, "locale"),
    ],
)
async def test_bad_store_input_names_the_field(
    db: AsyncSession, kwargs: dict[str, str], field: str
) -> None:
    values = {"slug": "ok", "name": "Ok", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        await create_store(db, **values)  # type: ignore[arg-type]
    assert field in caught.value.fields


async def test_duplicate_slug_is_a_conflict(db: AsyncSession) -> None:
    await create_store(db, slug="dup", name="A")
    with pytest.raises(Conflict):
        await create_store(db, slug="DUP", name="B")


async def test_a_stores_locale_is_kept_in_one_spelling_and_changed_alone(db: AsyncSession) -> None:
    swiss = await create_store(db, slug="swiss", name="Swiss", currency="CHF", locale="de-CH")
    other = await create_store(db, slug="other", name="Other")
    await db.commit()
    assert swiss.locale == "de_CH"
    store, before = await set_locale(db, other.id, "fr_FR")
    await db.commit()
    assert (store.locale, before) == ("fr_FR", "en_US")
    assert (await get_store(db, swiss.id)).locale == "de_CH"


async def test_an_unknown_locale_changes_nothing(db: AsyncSession) -> None:
    store = await create_store(db, slug="kept", name="Kept", locale="de_CH")
    await db.commit()
    with pytest.raises(ValidationFailed) as caught:
        await set_locale(db, store.id, "de_XX")
    assert caught.value.fields == {
        "locale": "de_XX is not a locale we know; use one such as en_US or de_CH."
    }
    await db.rollback()
    assert (await get_store(db, store.id)).locale == "de_CH"
