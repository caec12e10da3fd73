"""The mock ERP's prices and inventory answers, and the mistakes it makes in them on request.

The rules are ``catalog_prices``'; here they become contract bodies: one row per SKU asked that
the mock prices (stocks), in the order asked. A SKU asked twice gets one row, for the first line
asking it: a row carries no quantity, so the contract has no way to answer one SKU at two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from erpgate.erp.contract import InventoryRequest, PricesRequest
from erpgate.mock_erp.catalog_prices import ITEM_MASTER, price_row, stock_row
from erpgate.mock_erp.pricing import money_text

Json = dict[str, Any]
Row = Callable[[str], Json | None]

# What "other_currency" answers in, whatever was asked.
OTHER_CURRENCY = "EUR"
# How many rows of SKUs nobody asked for "unasked_rows" adds.
UNASKED_ROWS = 2


def _first_lines(req: PricesRequest) -> dict[str, Decimal]:
    quantities: dict[str, Decimal] = {}
    for line in req.lines:
        quantities.setdefault(line.sku, line.quantity)
    return quantities


def prices_answer(req: PricesRequest, mistake: str | None = None, code: str | None = None) -> Json:
    """The prices body for ``req``; ``code`` answers as another customer (cross_customer)."""
    customer = code or req.customer_code
    quantities = _first_lines(req)

    def row(sku: str) -> Json | None:
        return price_row(customer, req.currency, sku, quantities.get(sku, Decimal(1)))

    rows = _rows(list(quantities), row, mistake)
    if mistake == "zero_for_unknown_sku":
        rows = _with_unknown(list(quantities), rows, lambda sku: _zero_price(sku, req, customer))
    elif mistake == "duplicate_rows":
        rows = _twice(rows, "unit_price", lambda price: money_text(Decimal(price) + 1))
    elif mistake == "nonpositive_price":
        # The first row free, the second below zero: an unset price, a credit note's sign.
        if rows:
            rows[0]["unit_price"] = "0.00"
        if len(rows) > 1:
            rows[1]["unit_price"] = "-" + rows[1]["unit_price"]
    elif mistake == "other_currency":
        for priced in rows:
            priced["currency"] = OTHER_CURRENCY
    return {"data": rows}


def inventory_answer(
    req: InventoryRequest, today: dt.date, mistake: str | None = None, code: str | None = None
) -> Json:
    """The inventory body for ``req``; ``code`` answers as another customer (cross_customer)."""
    customer = code or req.customer_code
    skus = list(dict.fromkeys(req.skus))

    def row(sku: str) -> Json | None:
        return stock_row(customer, sku, today)

    rows = _rows(skus, row, mistake)
    if mistake == "zero_for_unknown_sku":
        zero = {"available": 0, "warehouses": [], "backorderable": False}
        rows = _with_unknown(skus, rows, lambda sku: {"sku": sku, **zero})
    elif mistake == "duplicate_rows":
        rows = _twice(rows, "available", lambda units: units + 1)
    elif mistake == "stock_as_text":
        for index, stocked in enumerate(rows):
            _stock_as_text(stocked, half=index % 2 == 1)
    return {"data": rows}


def unknown_skus(skus: Iterable[str]) -> list[str]:
    """The SKUs outside the item master ("refuse_unknown_sku" answers 404 for them)."""
    return [sku for sku in skus if sku not in ITEM_MASTER]


def _rows(skus: list[str], row: Row, mistake: str | None) -> list[Json]:
    rows = [found for sku in skus if (found := row(sku)) is not None]
    if mistake == "unasked_rows":
        # As an ERP answering its whole price list would: the first SKUs nobody asked for.
        unasked = [sku for sku in ITEM_MASTER if sku not in skus]
        rows += [found for sku in unasked if (found := row(sku)) is not None][:UNASKED_ROWS]
    return rows


def _with_unknown(skus: list[str], rows: list[Json], invented: Callable[[str], Json]) -> list[Json]:
    """A row for every SKU asked, the unknown ones made up: the outer join of a first try."""
    known = {row["sku"]: row for row in rows}
    return [known.get(sku) or invented(sku) for sku in skus]


def _zero_price(sku: str, req: PricesRequest, customer: str) -> Json:
    return {"sku": sku, "unit_price": "0.00", "currency": req.currency, "customer_code": customer}


def _twice(rows: list[Json], field: str, changed: Callable[[Any], Any]) -> list[Json]:
    """Each row, then a copy of it whose ``field`` disagrees."""
    doubled: list[Json] = []
    for row in rows:
        doubled += [row, {**row, field: changed(row[field])}]
    return doubled


def _stock_as_text(row: Json, *, half: bool) -> None:
    """Quantities as text ("12"), or, with ``half``, as JSON floats half a unit up (12.5): the
    contract allows both. The half lands in the first warehouse, so the sum still holds; a SKU
    out of stock stays at 0.0."""
    if half:
        extra = 0.5 if row["available"] else 0.0
        row["available"] += extra
        for index, place in enumerate(row["warehouses"]):
            place["available"] += extra if index == 0 else 0.0
    else:
        row["available"] = str(row["available"])
        for place in row["warehouses"]:
            place["available"] = str(place["available"])
