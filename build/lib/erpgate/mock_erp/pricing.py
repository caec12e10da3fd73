"""The mock ERP's checkout rules: sales tax by ship-to and shipping methods by address and value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erpgate.erp.contract import ShippingRequest, TaxesRequest, decimal_text
from erpgate.kit.money import quantize

TAX_RATE = Decimal("0.0725")
ZERO = Decimal("0")
# States without a general sales tax, so a ship-to state alone can switch tax off.
NO_SALES_TAX_STATES = frozenset({"OR", "DE", "MT", "NH", "AK"})
# Countries the mock merchant does not ship to: the contract's "empty list" answer.
NO_SHIPPING_COUNTRIES = frozenset({"KP", "IR", "SY", "CU"})
DOMESTIC = frozenset({"US", ""})
FREE_SHIPPING_FROM = Decimal("500.00")


def money_text(amount: Decimal) -> str:
    return decimal_text(quantize(amount))


def tax_rate(postcode: str | None, state: str | None = None) -> Decimal:
    """0 for postcodes starting with "9" or tax-free states, else 7.25 %."""
    if postcode and postcode.strip().startswith("9"):
        return ZERO
    if state and state.strip().upper() in NO_SALES_TAX_STATES:
        return ZERO
    return TAX_RATE


def line_tax(amount: Decimal, rate: Decimal) -> Decimal:
    return quantize(amount * rate)


def taxes_answer(request: TaxesRequest) -> dict[str, Any]:
    """The taxes response body: per-line tax rounded to cents and their sum."""
    header = request.request.header
    postcode = header.shiptopostcode
    state = None
    if header.ship_to is not None:
        postcode = postcode or header.ship_to.zip
        state = header.ship_to.state
    rate = tax_rate(postcode, state)
    lines = []
    total = ZERO
    for line in request.request.lines:
        tax = line_tax(line.line_amount, rate)
        total += tax
        lines.append({"item_sku": line.item_sku, "tax_amount": money_text(tax)})
    return {"data": {"salestax_amount": money_text(total), "lines": lines}}


def shipping_charge(subtotal: Decimal, country: str | None) -> Decimal:
    """What an order pays for its cheapest method (used when seeding orders)."""
    if (country or "US").upper() not in DOMESTIC:
        return Decimal("45.00")
    return ZERO if subtotal >= FREE_SHIPPING_FROM else Decimal("10.00")


def _method(label: str, total: Decimal, code: str, carrier: str, days: int) -> dict[str, Any]:
    # fixed_rate travels as a JSON number when whole, as the original platform did: it exercises
    # the "number or string" rule on every call.
    fixed: int | str = int(total) if total == total.to_integral_value() else money_text(total)
    return {
        "label": label,
        "fixed_rate": fixed,
        "total": money_text(total),
        "code": code,
        "carrier": carrier,
        "estimated_days": days,
    }


def shipping_answer(request: ShippingRequest) -> dict[str, Any]:
    """Methods for an address: none for embargoed countries, international, or domestic tiers."""
    country = (request.country or "US").strip().upper()
    if country in NO_SHIPPING_COUNTRIES or not request.items:
        return {"shipping_methods": []}
    value = ZERO
    for item in request.items:
        if item.total_price is not None:
            value += item.total_price
        elif item.unit_price is not None:
            value += item.unit_price * item.quantity
    if country not in DOMESTIC:
        methods = [
            _method("International Standard", Decimal("45.00"), "INTL_STD", "DHL", 10),
            _method("International Express", Decimal("95.50"), "INTL_EXP", "DHL", 4),
        ]
    else:
        ground = ZERO if value >= FREE_SHIPPING_FROM else Decimal("10.00")
        methods = [
            _method("Free Ground" if ground == ZERO else "Ground", ground, "GND", "UPS", 5),
            _method("In 3 days", Decimal("18.75"), "3DS", "UPS", 3),
            _method("Overnight", Decimal("45.00"), "NDA", "FedEx", 1),
        ]
    return {"shipping_methods": methods}
