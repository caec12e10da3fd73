from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.errors import Conflict, ValidationFailed
from erpgate.store.service import create_store, find_store_by_slug


async def test_create_store_normalises_and_keeps_defaults(db: AsyncSession) -> None:
    store = await create_store(
        db, slug=" Acme-West ", name=" Acme ", currency="eur", fallback_tax_rate="0.2"
    )
    await db.commit()
    assert (store.slug, store.name, store.currency) == ("acme-west", "Acme", "EUR")
    assert store.fallback_tax_rate == Decimal("0.2")
    assert [m["code"] for m in store.builtin_shipping_methods] == ["standard", "pickup"]
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
