from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth.passwords import verify_password
from erpgate.customer import service
from erpgate.errors import Conflict, NotFound, ValidationFailed
from erpgate.store.service import create_store


async def test_accounts_and_buyers_are_created_and_scoped_to_their_store(db: AsyncSession) -> None:
    a = await create_store(db, slug="a", name="A")
    b = await create_store(db, slug="b", name="B")
    account = await service.create_account(db, a.id, name="Acme", customer_code=" C0004935 ")
    buyer = await service.create_buyer(
        db,
        a.id,
        customer_account_id=account.id,
        email="Bea@Example.COM",
        password="long-enough",
        permissions=["orders", "Invoices", "orders"],
    )
    await db.commit()
    assert account.customer_code == "C0004935"
    assert buyer.email == "bea@example.com"
    assert buyer.permissions == ["orders", "invoices"]
    assert await verify_password(buyer.password_hash, "long-enough")
    assert await service.find_user_by_email(db, a.id, "BEA@example.com") is buyer
    assert await service.find_user_by_email(db, b.id, "bea@example.com") is None
    with pytest.raises(NotFound):
        await service.get_user(db, b.id, buyer.id)
    with pytest.raises(NotFound):
        await service.create_buyer(
            db, b.id, customer_account_id=account.id, email="x@example.com", password="long-enough"
        )


async def test_same_customer_code_is_allowed_in_another_store_only(db: AsyncSession) -> None:
    a = await create_store(db, slug="a", name="A")
    b = await create_store(db, slug="b", name="B")
    await service.create_account(db, a.id, name="X", customer_code="C1")
    await service.create_account(db, b.id, name="X", customer_code="C1")
    with pytest.raises(Conflict):
        await service.create_account(db, a.id, name="Y", customer_code="C1")


@pytest.mark.parametrize("code", ["", "  ", "C 1", "x" * 65])
async def test_bad_customer_codes_are_refused(db: AsyncSession, code: str) -> None:
    store = await create_store(db, slug="a", name="A")
    with pytest.raises(ValidationFailed):
        await service.create_account(db, store.id, name="X", customer_code=code)


@pytest.mark.parametrize(
    ("email", "password", "permissions"),
    [
        ("not-an-email", "long-enough", ["orders"]),
        ("a@example.com", "short", ["orders"]),
        ("a@example.com", "long-enough", ["orders", "admin"]),
        ("a@b@example.com", "long-enough", []),
    ],
)
async def test_bad_buyer_input_is_refused(
    db: AsyncSession, email: str, password: str, permissions: list[str]
) -> None:
    store = await create_store(db, slug="a", name="A")
    account = await service.create_account(db, store.id, name="X", customer_code="C1")
    with pytest.raises(ValidationFailed):
        await service.create_buyer(
            db,
            store.id,
            customer_account_id=account.id,
            email=email,
            password=password,
            permissions=permissions,
        )


@pytest.mark.parametrize(
    ("field", "limit"), [("name", 200), ("seller_reference", 128), ("customer_code", 64)]
)
async def test_an_account_field_over_its_length_is_refused_on_create_and_edit_alike(
    db: AsyncSession, field: str, limit: int
) -> None:
    store = await create_store(db, slug="a", name="A")
    good = {"name": "Acme", "customer_code": "C1", "seller_reference": "S1"}
    fits = await service.create_account(db, store.id, **{**good, field: "x" * limit})
    assert getattr(fits, field) == "x" * limit
    with pytest.raises(ValidationFailed) as created:
        await service.create_account(db, store.id, **{**good, field: "y" * (limit + 1)})
    with pytest.raises(ValidationFailed) as edited:
        await service.update_account(db, store.id, fits.id, **{field: "y" * (limit + 1)})
    assert created.value.fields == edited.value.fields == {field: f"At most {limit} characters."}


async def test_a_user_name_over_its_length_is_refused_on_create_and_edit_alike(
    db: AsyncSession,
) -> None:
    store = await create_store(db, slug="a", name="A")
    account = await service.create_account(db, store.id, name="Acme", customer_code="C1")
    with pytest.raises(ValidationFailed) as created:
        await service.create_buyer(
            db,
            store.id,
            customer_account_id=account.id,
            email="a@example.com",
            password=None,
            name="x" * 201,
        )
    user = await service.create_buyer(
        db, store.id, customer_account_id=account.id, email="a@example.com", password=None
    )
    with pytest.raises(ValidationFailed) as edited:
        await service.update_user(db, store.id, user.id, name="x" * 201)
    assert created.value.fields == edited.value.fields == {"name": "At most 200 characters."}
