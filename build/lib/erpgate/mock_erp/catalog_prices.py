"""The mock ERP's prices and stock: the rules its prices and inventory endpoints answer by.

Tests elsewhere import these to know what the mock answers. The item master is the demo
catalog's SKUs (``erpgate/checkout/demo_catalog.csv``), so the demo's catalog and its live prices
agree:

- The list price of a SKU is the catalog's ``unit_price``. ``UNPRICED_SKU`` has none (left out
  of prices answers), ``UNSTOCKED_SKU`` has no stock (left out of inventory answers), and a SKU
  outside the item master is left out of both: the contract's "not priced / not stocked".
- ``CONTRACT_PRICE_CUSTOMERS`` pay the list price less their discount, rounded to cents, shown
  with the list price and two ``PRICE_BREAKS`` (a further 5 % off from 10, 10 % from 50); the row's
  ``unit_price`` is the break for the quantity asked. Everyone else, known or not, pays the list
  price (no ``list_price``, no breaks), as taxes and shipping answer any customer.
- Stock lies in two ``WAREHOUSES`` in quantities derived from the SKU (stable across runs and
  seeds). ``OUT_OF_STOCK_SKU`` has none, more arriving ``RESTOCK_DAYS`` after the mock's today,
  and is backorderable; ``NOT_BACKORDERABLE_SKU`` is the one stocked SKU that is not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from erpgate.mock_erp.customers import CATALOGUE
from erpgate.mock_erp.pricing import money_text

Json = dict[str, Any]

# SKU -> list price
ITEM_MASTER: dict[str, Decimal] = {sku: Decimal(price) for sku, _, _, price in CATALOGUE}
UNPRICED_SKU = "TST03"
UNSTOCKED_SKU = "PAL-EU"
OUT_OF_STOCK_SKU = "DRL-18V"
NOT_BACKORDERABLE_SKU = "GLV-L"
# Customer code -> its discount off the list price, in percent.
CONTRACT_PRICE_CUSTOMERS: dict[str, Decimal] = {
    "C0004935": Decimal("12"),
    "C0003300": Decimal("8"),
}
# (min_quantity, a further discount off the contract price in percent), ascending.
PRICE_BREAKS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("10"), Decimal("5")),
    (Decimal("50"), Decimal("10")),
)
WAREHOUSES: tuple[tuple[str, str], ...] = (("MAIN", "Main warehouse"), ("EAST", "East depot"))
RESTOCK_DAYS = 14
ONE = Decimal("1")
HUNDRED = Decimal("100")


def _less(price: Decimal, percent: Decimal) -> Decimal:
    return Decimal(money_text(price * (HUNDRED - percent) / HUNDRED))


def list_price(sku: str) -> Decimal | None:
    """The catalog price of a SKU the mock prices; None for one it leaves out."""
    return None if sku == UNPRICED_SKU else ITEM_MASTER.get(sku)


def price_breaks(customer_code: str, sku: str) -> list[tuple[Decimal, Decimal]]:
    """(min_quantity, unit_price) of each break the customer has on the SKU, ascending."""
    base = contract_price(customer_code, sku)
    if base is None:
        return []
    return [(minimum, _less(base, percent)) for minimum, percent in PRICE_BREAKS]


def contract_price(customer_code: str, sku: str) -> Decimal | None:
    """The customer's own price for one unit, None without a contract (or a price)."""
    listed = list_price(sku)
    discount = CONTRACT_PRICE_CUSTOMERS.get(customer_code)
    if listed is None or discount is None:
        return None
    return _less(listed, discount)


def expected_unit_price(customer_code: str, sku: str, quantity: Decimal = ONE) -> Decimal | None:
    """The unit_price the mock answers for this line, None when it leaves the SKU out."""
    price = contract_price(customer_code, sku) or list_price(sku)
    for minimum, unit_price in price_breaks(customer_code, sku):
        if quantity >= minimum:
            price = unit_price
    return price


def warehouse_stock(sku: str) -> dict[str, int] | None:
    """Units per warehouse code, None for a SKU the mock does not stock."""
    if sku not in ITEM_MASTER or sku == UNSTOCKED_SKU:
        return None
    if sku == OUT_OF_STOCK_SKU:
        return dict.fromkeys((code for code, _ in WAREHOUSES), 0)
    # A digest, not hash(): Python salts str hashes per process.
    digest = hashlib.sha256(sku.encode()).digest()
    return {code: 5 + digest[index] % 120 for index, (code, _) in enumerate(WAREHOUSES)}


def expected_available(sku: str) -> int | None:
    stock = warehouse_stock(sku)
    return None if stock is None else sum(stock.values())


def next_available_date(today: dt.date) -> dt.date:
    """When more of OUT_OF_STOCK_SKU arrives, seen from the mock's today."""
    return today + dt.timedelta(days=RESTOCK_DAYS)


def price_row(customer_code: str, currency: str, sku: str, quantity: Decimal) -> Json | None:
    """The prices answer's row for one line, None for a SKU the mock does not price."""
    price = expected_unit_price(customer_code, sku, quantity)
    if price is None:
        return None
    # The mock keeps one price list and answers it in whatever currency is asked: enough to test
    # the storefront's currency check, and no exchange rates to keep.
    row: Json = {"sku": sku, "unit_price": money_text(price), "currency": currency}
    breaks = price_breaks(customer_code, sku)
    if breaks:
        row["list_price"] = money_text(ITEM_MASTER[sku])
        row["price_breaks"] = [
            {"min_quantity": str(minimum), "unit_price": money_text(unit_price)}
            for minimum, unit_price in breaks
        ]
    row["customer_code"] = customer_code
    return row


def stock_row(customer_code: str, sku: str, today: dt.date) -> Json | None:
    """The inventory answer's row for one SKU, None for a SKU the mock does not stock."""
    stock = warehouse_stock(sku)
    if stock is None:
        return None
    row: Json = {
        "sku": sku,
        "available": sum(stock.values()),
        "warehouses": [
            {"code": code, "name": name, "available": stock[code]} for code, name in WAREHOUSES
        ],
        "backorderable": sku != NOT_BACKORDERABLE_SKU,
    }
    if sku == OUT_OF_STOCK_SKU:
        row["next_available_date"] = next_available_date(today).isoformat()
    row["customer_code"] = customer_code
    return row
