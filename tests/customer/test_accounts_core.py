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
