"""What the mock ERP does with a submitted order: the rules that refuse it, and the ERP order it
becomes (first in the customer's orders list, readable by id).

The rules: an unknown customer code is refused; so is a customer on credit hold (``credit_hold``
in ``customers``: Dormant Accounts LLC, ``C0009999``), for the merchant's staff only; and every
line whose SKU starts with ``DISC-`` (discontinued) is refused with a sentence for the buyer.
Any other SKU is accepted, catalogued or not: the store's catalogue is not the mock's.
"""

from __future__ import annotations

from typing import Any

import orjson

from erpgate.erp.contract import SubmitOrderRequest, decimal_text
from erpgate.mock_erp.data import ListRow, MockDataset
from erpgate.mock_erp.pricing import money_text

Json = dict[str, Any]

DISCONTINUED_PREFIX = "DISC-"
NEW_ORDER_STATUS = "Open"


def rejection_reasons(data: MockDataset, req: SubmitOrderRequest) -> list[Json]:
    """The 422's ``errors``: the customer's first, then one per discontinued line; [] accepts."""
    reasons: list[Json] = []
    customer = data.customers.get(req.customer_code)
    if customer is None:
        reasons.append(
            {"field": "customer_code", "message": f"Unknown customer {req.customer_code}"}
        )
    elif customer.credit_hold:
        # Internal: the buyer is not told about credit, so no buyer_message.
        reasons.append(
            {
                "field": "customer_code",
                "message": f"Customer {req.customer_code} is on credit hold: release the hold "
                "in the ERP and place the order again",
            }
        )
    for index, line in enumerate(req.lines):
        if line.sku.upper().startswith(DISCONTINUED_PREFIX):
            reasons.append(
                {
                    "field": f"lines[{index}].sku",
                    "message": f"Item {line.sku} is discontinued",
                    "buyer_message": f"Product {line.sku} is no longer sold.",
                }
            )
    return reasons


def create_order(data: MockDataset, req: SubmitOrderRequest) -> Json:
    """A new ERP order from an accepted request, dated the mock's today, first in its customer's
    list (the newest day and the highest number) and readable by id."""
    customer = data.customers[req.customer_code]
    order_id = f"SO-{data.next_order_number}"
    data.next_order_number += 1
    row: Json = {
        "order_id": order_id,
        "order_number": order_id,
        "date": data.today.isoformat(),
        "status": NEW_ORDER_STATUS,
        "po_number": req.po_number,
        "currency": req.currency,
        "total": money_text(req.totals.total),
        "ship_to_name": req.ship_to.name,
        "customer_code": customer.code,
    }
    detail: Json = {
        **row,
        "bill_to": customer.bill_to,
        "ship_to": req.ship_to.model_dump(mode="json"),
        "lines": [
            {
                "line_number": line.line_number,
                "sku": line.sku,
                "description": line.description,
                "uom": line.uom,
                "quantity": decimal_text(line.quantity),
                "quantity_shipped": "0",
                "quantity_backordered": decimal_text(line.quantity),
                "unit_price": money_text(line.unit_price),
                "line_total": money_text(line.line_total),
            }
            for line in req.lines
        ],
        "subtotal": money_text(req.totals.subtotal),
        "tax_total": money_text(req.totals.tax),
        "shipping_total": money_text(req.totals.shipping),
        "notes": req.notes,
        "shipments": [],
    }
    keys = f"{order_id}\n{req.po_number or ''}".lower()
    data.orders[customer.code].insert(0, ListRow(row, data.today, NEW_ORDER_STATUS.lower(), keys))
    data.order_details[order_id] = detail
    data.order_bodies[order_id] = (customer.code, orjson.dumps({"data": detail}))
    return row
