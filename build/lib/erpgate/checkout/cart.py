"""The buyer's server-side cart: one row per buyer, kept until an order is placed."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import repository
from erpgate.errors import ValidationFailed
from erpgate.models.cart import Cart

MAX_QUANTITY = Decimal("99999")
MAX_LINES = 200


def parse_quantity(value: object, field: str = "quantity") -> Decimal:
    """A whole number from 1 to 99,999: zero, negatives, fractions and 10^9 are refused."""
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "Quantity must be a whole number.", fields={field: "not a number"}
        ) from None
    if not quantity.is_finite() or quantity != quantity.to_integral_value():
        raise ValidationFailed("Quantity must be a whole number.", fields={field: "not whole"})
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise ValidationFailed(
            "Quantity must be between 1 and 99,999.", fields={field: "out of range"}
        )
    return quantity.quantize(Decimal(1))


async def get_cart(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> Cart:
    """The buyer's cart; an unsaved empty one when there is none yet."""
    cart = await repository.get_cart(db, store_id, user_id)
    return cart or Cart(store_id=store_id, user_id=user_id, lines=[], ship_to={})


async def _saved(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> Cart:
    cart = await repository.get_cart(db, store_id, user_id)
    if cart is None:
        cart = Cart(store_id=store_id, user_id=user_id, lines=[], ship_to={})
        await repository.add(db, cart)
    return cart


async def add_to_cart(
    db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID, sku: str, quantity: object
) -> Cart:
    amount = parse_quantity(quantity)
    sku = sku.strip()
    if not (await repository.products_by_sku(db, store_id, [sku])):
        raise ValidationFailed("That product is not in the catalog.", fields={"sku": "unknown"})
    cart = await _saved(db, store_id, user_id)
    lines: list[dict[str, Any]] = [dict(line) for line in cart.lines]
    for line in lines:
        if line["sku"] == sku:
            line["quantity"] = str(parse_quantity(Decimal(line["quantity"]) + amount))
            break
    else:
        if len(lines) >= MAX_LINES:
            raise ValidationFailed("The cart is full.", fields={"sku": "too many lines"})
        lines.append({"sku": sku, "quantity": str(amount)})
    cart.lines = lines  # a new list, so the JSON column is seen as changed
    await db.flush()
    return cart


async def set_quantity(
    db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID, sku: str, quantity: object
) -> Cart:
    amount = parse_quantity(quantity)
    cart = await _saved(db, store_id, user_id)
    cart.lines = [
        {"sku": line["sku"], "quantity": str(amount) if line["sku"] == sku else line["quantity"]}
        for line in cart.lines
    ]
    await db.flush()
    return cart


async def remove_line(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID, sku: str) -> Cart:
    cart = await _saved(db, store_id, user_id)
    cart.lines = [dict(line) for line in cart.lines if line["sku"] != sku]
    await db.flush()
    return cart


async def set_ship_to(
    db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID, ship_to: dict[str, Any]
) -> Cart:
    cart = await _saved(db, store_id, user_id)
    cart.ship_to = dict(ship_to)
    await db.flush()
    return cart


async def empty_cart(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> None:
    cart = await repository.get_cart(db, store_id, user_id)
    if cart is not None:
        cart.lines = []
        await db.flush()
