"""Every query of the checkout domain: catalog, carts, local orders."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.cart import Cart
from erpgate.models.catalog_product import CatalogProduct
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.local_order import LocalOrder
from erpgate.models.local_order_line import LocalOrderLine


async def list_products(
    db: AsyncSession, store_id: uuid.UUID, *, offset: int = 0, limit: int | None = None
) -> list[CatalogProduct]:
    result = await db.execute(
        select(CatalogProduct)
        .where(CatalogProduct.store_id == store_id)
        .order_by(CatalogProduct.sku)
        .offset(offset)
        .limit(limit)
    )
    return list(result.scalars())


async def products_by_sku(
    db: AsyncSession, store_id: uuid.UUID, skus: Iterable[str]
) -> dict[str, CatalogProduct]:
    wanted = list(set(skus))
    if not wanted:
        return {}
    result = await db.execute(
        select(CatalogProduct).where(
            CatalogProduct.store_id == store_id, CatalogProduct.sku.in_(wanted)
        )
    )
    return {p.sku: p for p in result.scalars()}


async def count_products(db: AsyncSession, store_id: uuid.UUID) -> int:
    result = await db.execute(
        select(func.count()).select_from(CatalogProduct).where(CatalogProduct.store_id == store_id)
    )
    return int(result.scalar_one())


async def get_cart(db: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID) -> Cart | None:
    result = await db.execute(
        select(Cart).where(Cart.store_id == store_id, Cart.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def add(db: AsyncSession, row: object) -> None:
    db.add(row)
    await db.flush()


async def add_order(db: AsyncSession, order: LocalOrder, lines: list[LocalOrderLine]) -> None:
    db.add(order)
    await db.flush()
    for line in lines:
        line.order_id = order.id
        db.add(line)
    await db.flush()


async def list_orders(
    db: AsyncSession,
    store_id: uuid.UUID,
    account_id: uuid.UUID,
    *,
    offset: int,
    limit: int,
) -> tuple[list[LocalOrder], int]:
    where = (LocalOrder.store_id == store_id, LocalOrder.customer_account_id == account_id)
    total = await db.execute(select(func.count()).select_from(LocalOrder).where(*where))
    rows = await db.execute(
        select(LocalOrder)
        .where(*where)
        .order_by(LocalOrder.placed_at.desc(), LocalOrder.number.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows.scalars()), int(total.scalar_one())


async def search_orders(
    db: AsyncSession,
    store_id: uuid.UUID,
    account_id: uuid.UUID,
    *,
    search: str | None,
    status: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int,
) -> list[LocalOrder]:
    """The account's placed orders whose number or PO number contains ``search`` (any case),
    with that status (any case), placed within the dates (UTC, both ends included)."""
    query = select(LocalOrder).where(
        LocalOrder.store_id == store_id, LocalOrder.customer_account_id == account_id
    )
    if search:
        needle = search.lower()
        query = query.where(
            or_(
                func.lower(LocalOrder.number).contains(needle, autoescape=True),
                func.lower(LocalOrder.po_number).contains(needle, autoescape=True),
            )
        )
    if status:
        query = query.where(func.lower(LocalOrder.status) == status.lower())
    if date_from:
        query = query.where(LocalOrder.placed_at >= _midnight(date_from))
    if date_to:
        query = query.where(LocalOrder.placed_at < _midnight(date_to + dt.timedelta(days=1)))
    ordered = query.order_by(LocalOrder.placed_at.desc(), LocalOrder.number.desc())
    return list((await db.execute(ordered.limit(limit))).scalars())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


async def get_order(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID, order_id: uuid.UUID
) -> LocalOrder | None:
    result = await db.execute(
        select(LocalOrder).where(
            LocalOrder.id == order_id,
            LocalOrder.store_id == store_id,
            LocalOrder.customer_account_id == account_id,
        )
    )
    return result.scalar_one_or_none()


async def order_lines(db: AsyncSession, order_id: uuid.UUID) -> list[LocalOrderLine]:
    result = await db.execute(
        select(LocalOrderLine)
        .where(LocalOrderLine.order_id == order_id)
        .order_by(LocalOrderLine.line_number)
    )
    return list(result.scalars())


async def store_orders(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    placed_from: dt.datetime | None,
    placed_before: dt.datetime | None,
    limit: int,
) -> list[tuple[LocalOrder, str]]:
    """The store's placed orders with their account's customer code, newest first."""
    query = (
        select(LocalOrder, CustomerAccount.customer_code)
        .join(CustomerAccount, CustomerAccount.id == LocalOrder.customer_account_id)
        .where(LocalOrder.store_id == store_id)
    )
    if placed_from is not None:
        query = query.where(LocalOrder.placed_at >= placed_from)
    if placed_before is not None:
        query = query.where(LocalOrder.placed_at < placed_before)
    query = query.order_by(LocalOrder.placed_at.desc(), LocalOrder.number.desc()).limit(limit)
    return [(order, code) for order, code in (await db.execute(query)).all()]


async def lines_of_orders(
    db: AsyncSession, order_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[LocalOrderLine]]:
    found: dict[uuid.UUID, list[LocalOrderLine]] = {}
    # In slices: SQLite bounds the number of parameters of one statement.
    for start in range(0, len(order_ids), 500):
        query = (
            select(LocalOrderLine)
            .where(LocalOrderLine.order_id.in_(order_ids[start : start + 500]))
            .order_by(LocalOrderLine.order_id, LocalOrderLine.line_number)
        )
        for line in (await db.execute(query)).scalars():
            found.setdefault(line.order_id, []).append(line)
    return found
