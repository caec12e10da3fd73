"""The store's placed orders as CSV for its staff: one row per order, its lines joined in one
cell, so a merchant without a Submit Order URL can re-key or reconcile orders in the ERP.

Cells a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return
that some strip first) start with an apostrophe: buyers type PO numbers, notes and addresses.
Written here rather than taken from a library: the rule is these few lines, and no package in
the stack does it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import repository
from erpgate.delivery import service as delivery_service
from erpgate.kit.money import quantize
from erpgate.models.local_order import LocalOrder
from erpgate.models.local_order_line import LocalOrderLine
from erpgate.models.order_delivery import OrderDelivery

COLUMNS = (
    "order_number",
    "placed_at",
    "customer_code",
    "po_number",
    "notes",
    "ship_to",
    "lines",
    "currency",
    "subtotal",
    "shipping",
    "tax",
    "tax_estimated",
    "total",
    "delivery_state",
    "erp_order_number",
)
# One export holds at most this many orders (the newest); dates choose older ones.
MAX_ORDERS = 20_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ADDRESS_ORDER = ("name", "address1", "address2", "city", "state", "zip", "country")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _amount(value: Decimal) -> str:
    return str(quantize(value))


def _quantity(value: Decimal) -> str:
    return str(
        value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    )


def _line(line: LocalOrderLine) -> str:
    return (
        f"{_quantity(line.quantity)} {line.uom} {line.sku} {line.name} "
        f"@ {_amount(line.unit_price)} = {_amount(line.line_total)}"
    )


def _ship_to(order: LocalOrder) -> str:
    return ", ".join(str(order.ship_to[k]) for k in ADDRESS_ORDER if order.ship_to.get(k))


def order_row(
    order: LocalOrder,
    customer_code: str,
    lines: list[LocalOrderLine],
    delivery: OrderDelivery | None,
) -> list[str]:
    cells = [
        order.number,
        order.placed_at.isoformat(timespec="seconds"),
        customer_code,
        order.po_number or "",
        order.notes or "",
        _ship_to(order),
        "\n".join(_line(line) for line in lines),
        order.currency,
        _amount(order.subtotal),
        _amount(order.shipping_total),
        _amount(order.tax_total),
        "yes" if order.tax_estimated else "no",
        _amount(order.total),
        delivery.state if delivery else "local",
        (delivery.erp_order_number or "") if delivery else "",
    ]
    return [safe_cell(cell) for cell in cells]


async def placed_orders_csv(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[str, int]:
    """The CSV text (with a byte order mark, so spreadsheets read it as UTF-8) and how many
    orders it holds: the store's orders placed within the dates (UTC, both ends included)."""
    orders = await repository.store_orders(
        db,
        store_id,
        placed_from=_midnight(since) if since else None,
        placed_before=_midnight(until + dt.timedelta(days=1)) if until else None,
        limit=MAX_ORDERS,
    )
    ids = [order.id for order, _code in orders]
    lines = await repository.lines_of_orders(db, ids)
    deliveries: dict[uuid.UUID, OrderDelivery] = {}
    for start in range(0, len(ids), 500):
        deliveries |= await delivery_service.for_orders(db, ids[start : start + 500])
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for order, code in orders:
        writer.writerow(order_row(order, code, lines.get(order.id, []), deliveries.get(order.id)))
    return out.getvalue(), len(orders)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
