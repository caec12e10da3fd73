"""Seeded, deterministic data of the mock ERP, computed once at startup.

Everything derives from ``random.Random(seed)`` and a fixed "today", so two runs with the same
seed answer byte for byte the same. Response bodies of the by-id endpoints are serialized here,
once, because the mock also serves benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from erpgate.mock_erp.customers import (
    AGING_LABELS,
    CARRIERS,
    CATALOGUE,
    CUSTOMERS,
    NOTES,
    PAYMENT_METHODS,
    Customer,
)
from erpgate.mock_erp.pricing import line_tax, money_text, shipping_charge, tax_rate

Json = dict[str, Any]


@dataclass(slots=True)
class ListRow:
    """A list row with what the filters need precomputed."""

    row: Json
    day: dt.date
    status: str
    search_keys: str


@dataclass(slots=True)
class MockDataset:
    today: dt.date
    customers: dict[str, Customer] = field(default_factory=dict)
    orders: dict[str, list[ListRow]] = field(default_factory=dict)
    invoices: dict[str, list[ListRow]] = field(default_factory=dict)
    # id -> (owning customer code, the whole `{"data": ...}` body)
    order_bodies: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    invoice_bodies: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    balance_bodies: dict[str, bytes] = field(default_factory=dict)
    order_details: dict[str, Json] = field(default_factory=dict)
    invoice_details: dict[str, Json] = field(default_factory=dict)
    balances: dict[str, Json] = field(default_factory=dict)
    # The number of the next order, seeded or submitted (SO-<n>).
    next_order_number: int = 0

    def customer_codes(self) -> list[str]:
        """Codes, the customer with the most orders first."""
        return sorted(self.customers, key=lambda c: (-len(self.orders[c]), c))


def _money(value: Decimal) -> str:
    return money_text(value)


# Every order status the mock uses, published on each orders page (the contract's `statuses`).
ORDER_STATUSES = ["Open", "Processing", "Partially Shipped", "Shipped", "Delivered", "Cancelled"]


def _order_status(rng: random.Random, age_days: int) -> str:
    if age_days < 7:
        return rng.choice(["Open", "Processing"])
    if age_days < 20:
        return rng.choice(["Processing", "Partially Shipped", "Shipped"])
    return rng.choices(["Shipped", "Delivered", "Cancelled"], weights=[45, 48, 7])[0]


def _lines(rng: random.Random, status: str, rate: Decimal) -> tuple[list[Json], Decimal, Decimal]:
    lines: list[Json] = []
    subtotal = Decimal("0")
    tax = Decimal("0")
    for number, (sku, description, uom, price) in enumerate(
        rng.sample(CATALOGUE, rng.randint(1, 5)), start=1
    ):
        quantity = Decimal(rng.randint(1, 24))
        unit_price = Decimal(price)
        line_total = quantity * unit_price
        if status in ("Shipped", "Delivered"):
            shipped = quantity
        elif status == "Partially Shipped":
            shipped = Decimal(rng.randint(0, int(quantity)))
        else:
            shipped = Decimal("0")
        subtotal += line_total
        tax += line_tax(line_total, rate)
        lines.append(
            {
                "line_number": number,
                "sku": sku,
                "description": description,
                "uom": uom,
                "quantity": str(quantity),
                "quantity_shipped": str(shipped),
                "quantity_backordered": str(quantity - shipped) if status != "Cancelled" else "0",
                "unit_price": price,
                "line_total": _money(line_total),
            }
        )
    return lines, subtotal, tax


def _shipments(rng: random.Random, status: str, day: dt.date, today: dt.date) -> list[Json]:
    if status not in ("Shipped", "Delivered", "Partially Shipped"):
        return []
    shipments = []
    for _ in range(2 if rng.random() < 0.15 else 1):
        carrier, service, url = CARRIERS[rng.randrange(len(CARRIERS))]
        number = (
            f"1Z{rng.randrange(10**15):015d}" if carrier == "UPS" else str(rng.randrange(10**12))
        )
        ship_date = min(day + dt.timedelta(days=rng.randint(1, 4)), today)
        shipments.append(
            {
                "carrier": carrier,
                "service": service,
                "tracking_number": number,
                "tracking_url": url.format(n=number),
                "ship_date": ship_date.isoformat(),
            }
        )
    return shipments


def _payments(
    rng: random.Random, total: Decimal, due: dt.date, today: dt.date
) -> list[tuple[dt.date, Decimal, str, str]]:
    overdue_days = (today - due).days
    if overdue_days > 10:
        # Old invoices are mostly settled; a few stay open so some are overdue.
        outcome = rng.choices(["paid", "partial", "open"], weights=[82, 9, 9])[0]
    else:
        outcome = rng.choices(["paid", "partial", "open"], weights=[25, 15, 60])[0]
    if outcome == "open":
        return []
    latest = min(due + dt.timedelta(days=5), today)
    paid_on = latest - dt.timedelta(days=rng.randint(0, 25))
    method, prefix = PAYMENT_METHODS[rng.randrange(len(PAYMENT_METHODS))]
    reference = f"{prefix} {rng.randint(1000, 99999)}"
    amount = total if outcome == "paid" else money_round_down(total * Decimal("0.4"))
    return [(paid_on, amount, method, reference)]


def money_round_down(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"))


def build_dataset(seed: int, today: dt.date) -> MockDataset:
    """All customers, orders, invoices and balances for one seed and one "today"."""
    rng = random.Random(seed)
    data = MockDataset(today=today)
    next_order, next_invoice = 100100, 55000
    for customer in CUSTOMERS:
        data.customers[customer.code] = customer
        order_rows: list[ListRow] = []
        invoice_rows: list[ListRow] = []
        offsets = sorted(rng.randrange(540) for _ in range(customer.order_count))
        for index, age in enumerate(offsets):
            order_id = f"SO-{next_order}"
            next_order += 1
            day = today - dt.timedelta(days=age)
            status = _order_status(rng, age)
            ship_to = rng.choice(customer.ship_tos)
            rate = tax_rate(ship_to["zip"], ship_to["state"])
            lines, subtotal, tax = _lines(rng, status, rate)
            shipping = shipping_charge(subtotal, ship_to["country"])
            total = subtotal + tax + shipping
            po = None if rng.random() < 0.1 else f"PO-{rng.randint(1000, 9999)}"
            if customer.code == "C0004935" and index == 0:
                po = "PO-7781"  # the contract's example search finds a row
            row: Json = {
                "order_id": order_id,
                "order_number": order_id,
                "date": day.isoformat(),
                "status": status,
                "po_number": po,
                "currency": customer.currency,
                "total": _money(total),
                "ship_to_name": ship_to["name"],
                "customer_code": customer.code,
            }
            shipments = _shipments(rng, status, day, today)
            notes = NOTES[index % len(NOTES)] if index % 9 == 0 else None
            detail = {
                **row,
                "bill_to": customer.bill_to,
                "ship_to": ship_to,
                "lines": lines,
                "subtotal": _money(subtotal),
                "tax_total": _money(tax),
                "shipping_total": _money(shipping),
                "notes": notes,
                "shipments": shipments,
            }
            keys = f"{order_id}\n{po or ''}".lower()
            order_rows.append(ListRow(row, day, status.lower(), keys))
            data.order_details[order_id] = detail
            if shipments and status != "Partially Shipped":
                invoice_id = f"INV-{next_invoice}"
                next_invoice += 1
                invoice_rows.append(
                    _invoice(rng, data, customer, invoice_id, detail, shipments, total)
                )
        order_rows.sort(key=lambda r: (r.day, r.row["order_id"]), reverse=True)
        invoice_rows.sort(key=lambda r: (r.day, r.row["invoice_id"]), reverse=True)
        data.orders[customer.code] = order_rows
        data.invoices[customer.code] = invoice_rows
        data.balances[customer.code] = _balance(customer, data, invoice_rows, today)
    data.next_order_number = next_order
    _serialize(data)
    return data


def _invoice(
    rng: random.Random,
    data: MockDataset,
    customer: Customer,
    invoice_id: str,
    order: Json,
    shipments: list[Json],
    total: Decimal,
) -> ListRow:
    day = dt.date.fromisoformat(shipments[0]["ship_date"])
    due = day + dt.timedelta(days=30)
    payments = _payments(rng, total, due, data.today)
    paid = sum((p[1] for p in payments), Decimal("0"))
    balance = total - paid
    row: Json = {
        "invoice_id": invoice_id,
        "invoice_number": invoice_id,
        "date": day.isoformat(),
        "due_date": due.isoformat(),
        "status": "paid" if balance <= 0 else "open",
        "order_id": order["order_id"],
        "po_number": order["po_number"],
        "currency": customer.currency,
        "total": _money(total),
        "balance": _money(balance),
        "customer_code": customer.code,
    }
    data.invoice_details[invoice_id] = {
        **row,
        "bill_to": order["bill_to"],
        "ship_to": order["ship_to"],
        "lines": order["lines"],
        "subtotal": order["subtotal"],
        "tax_total": order["tax_total"],
        "shipping_total": order["shipping_total"],
        "terms": "Net 30",
        "payments": [
            {"date": d.isoformat(), "amount": _money(a), "method": m, "reference": r}
            for d, a, m, r in payments
        ],
    }
    keys = f"{invoice_id}\n{order['po_number'] or ''}\n{order['order_id']}".lower()
    return ListRow(row, day, row["status"], keys)


def _balance(customer: Customer, data: MockDataset, rows: list[ListRow], today: dt.date) -> Json:
    buckets = dict.fromkeys(AGING_LABELS, Decimal("0"))
    balance = past_due = Decimal("0")
    last: tuple[str, str] | None = None
    for list_row in rows:
        amount = Decimal(list_row.row["balance"])
        for payment in data.invoice_details[list_row.row["invoice_id"]]["payments"]:
            if last is None or payment["date"] > last[0]:
                last = (payment["date"], payment["amount"])
        if amount <= 0:
            continue
        balance += amount
        late = (today - dt.date.fromisoformat(list_row.row["due_date"])).days
        if late > 0:
            past_due += amount
        index = 0 if late <= 0 else min(4, 1 + (late - 1) // 30)
        buckets[AGING_LABELS[index]] += amount
    return {
        "currency": customer.currency,
        "balance": _money(balance),
        "credit_limit": _money(customer.credit_limit),
        "available_credit": _money(max(Decimal("0"), customer.credit_limit - balance)),
        "past_due": _money(past_due),
        "terms": "Net 30",
        "aging": [{"label": label, "amount": _money(value)} for label, value in buckets.items()],
        "last_payment": None if last is None else {"date": last[0], "amount": last[1]},
        "customer_code": customer.code,
    }


def _serialize(data: MockDataset) -> None:
    for order_id, detail in data.order_details.items():
        data.order_bodies[order_id] = (detail["customer_code"], orjson.dumps({"data": detail}))
    for invoice_id, detail in data.invoice_details.items():
        data.invoice_bodies[invoice_id] = (detail["customer_code"], orjson.dumps({"data": detail}))
    for code, balance in data.balances.items():
        data.balance_bodies[code] = orjson.dumps({"data": balance})
