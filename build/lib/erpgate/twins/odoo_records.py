"""The Odoo twin's records and the reading of Odoo domains over them.

Records are plain dicts keyed by model; relational fields hold Odoo's wire values (many2one
``[id, display name]``, one2many a list of ids), and ``RELATIONS`` says which model each points
at, so dotted domain paths (``partner_id.ref``) and nested ``web_search_read`` specifications can
follow them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from erpgate.mock_erp.customers import CATALOGUE
from erpgate.mock_erp.data import MockDataset
from erpgate.twins.common import Json, number, numeric_id

Records = dict[str, dict[int, Json]]
Predicate = Callable[[Json], bool]

RELATIONS: dict[str, dict[str, str]] = {
    "res.currency": {},
    "res.partner": {"currency_id": "res.currency"},
    "sale.order": {
        "partner_id": "res.partner",
        "partner_shipping_id": "res.partner",
        "order_line": "sale.order.line",
        "currency_id": "res.currency",
    },
    "sale.order.line": {"order_id": "sale.order"},
    "account.move": {
        "partner_id": "res.partner",
        "invoice_line_ids": "account.move.line",
        "currency_id": "res.currency",
    },
    "account.move.line": {"move_id": "account.move"},
}
_CURRENCIES = {"EUR": 1, "USD": 2, "SEK": 18}
_PRODUCTS = {sku: index for index, (sku, *_rest) in enumerate(sorted(CATALOGUE), start=1)}
_STATE = {"Cancelled": "cancel"}  # every other mock status is a confirmed order ("sale")


class DomainError(ValueError):
    """Arguments Odoo refuses with 422."""


def partner_id(code: str) -> int:
    """C0004935 -> 4935: the customer's res.partner id."""
    return int(code.lstrip("C"))


def _currency(code: str) -> list[Any]:
    return [_CURRENCIES.get(code, 99), code]


def _lines(parent: str, parent_key: str, parent_id: int, name: str, detail: Json) -> list[Json]:
    lines = []
    for line in detail["lines"]:
        lines.append(
            {
                "id": parent_id * 10 + line["line_number"],
                parent_key: [parent_id, name],
                "sequence": line["line_number"] * 10,  # Odoo orders lines by it
                "product_id": [
                    _PRODUCTS.get(line["sku"], 0),
                    f"[{line['sku']}] {line['description']}",
                ],
                "default_code": line["sku"],
                "name": line["description"],
                "product_uom_qty" if parent == "sale.order" else "quantity": number(
                    line["quantity"]
                ),
                "price_unit": number(line["unit_price"]),
                "price_total": number(line["line_total"]),
            }
        )
        if parent == "sale.order":
            lines[-1]["qty_delivered"] = number(line["quantity_shipped"])
    return lines


def build_records(data: MockDataset) -> Records:
    """Every model's records from the mock's seeded data."""
    records: Records = {model: {} for model in RELATIONS}
    records["res.currency"] = {
        number_id: {"id": number_id, "name": code, "display_name": code}
        for code, number_id in _CURRENCIES.items()
    }
    for code, customer in data.customers.items():
        pid = partner_id(code)
        records["res.partner"][pid] = {
            "id": pid,
            "name": customer.name,
            "display_name": customer.name,
            "ref": code,
            "is_company": True,
            "credit": number(data.balances[code]["balance"]),
            "credit_limit": float(customer.credit_limit),
            "currency_id": _currency(customer.currency),
        }
        for index, ship_to in enumerate(customer.ship_tos, start=1):
            sid = pid * 100 + index
            records["res.partner"][sid] = {
                "id": sid,
                "name": ship_to["name"],
                "display_name": ship_to["name"],
                "ref": False,
                "is_company": False,
                "credit": 0.0,
                "credit_limit": 0.0,
                "currency_id": _currency(customer.currency),
            }
    for order_id, detail in data.order_details.items():
        oid = numeric_id(order_id)
        customer = data.customers[detail["customer_code"]]
        pid = partner_id(customer.code)
        ship_index = customer.ship_tos.index(detail["ship_to"]) + 1
        lines = _lines("sale.order", "order_id", oid, order_id, detail)
        records["sale.order.line"].update({line["id"]: line for line in lines})
        records["sale.order"][oid] = {
            "id": oid,
            "name": order_id,
            "display_name": order_id,
            "date_order": f"{detail['date']} 00:00:00",
            "state": _STATE.get(detail["status"], "sale"),
            "x_erpgate_status": detail["status"],
            "amount_total": number(detail["total"]),
            "currency_id": _currency(detail["currency"]),
            "client_order_ref": detail["po_number"] or False,
            "partner_id": [pid, customer.name],
            "partner_shipping_id": [pid * 100 + ship_index, detail["ship_to"]["name"]],
            "order_line": [line["id"] for line in lines],
        }
    for invoice_id, detail in data.invoice_details.items():
        mid = numeric_id(invoice_id)
        customer = data.customers[detail["customer_code"]]
        lines = _lines("account.move", "move_id", mid, invoice_id, detail)
        records["account.move.line"].update({line["id"]: line for line in lines})
        residual, total = Decimal(detail["balance"]), Decimal(detail["total"])
        payment_state = "paid" if residual <= 0 else "partial" if residual < total else "not_paid"
        records["account.move"][mid] = {
            "id": mid,
            "move_type": "out_invoice",
            "name": invoice_id,
            "display_name": invoice_id,
            "state": "posted",
            "invoice_date": detail["date"],
            "invoice_date_due": detail["due_date"],
            "amount_total": float(total),
            "amount_residual": float(residual),
            "payment_state": payment_state,
            "currency_id": _currency(detail["currency"]),
            "ref": detail["po_number"] or False,
            "invoice_origin": detail["order_id"],
            "partner_id": [partner_id(customer.code), customer.name],
            "invoice_line_ids": [line["id"] for line in lines],
        }
    return records


def _resolve(records: Records, model: str, record: Json, path: list[str]) -> list[Any]:
    """The values a dotted path reaches from one record (many for a one2many step)."""
    value = record.get(path[0])
    target = RELATIONS[model].get(path[0])
    if len(path) == 1:
        return [value]
    if target is None:
        return []
    ids = [value[0]] if isinstance(value, list) and target and path[0].endswith("_id") else value
    found: list[Any] = []
    for related in ids if isinstance(ids, list) else []:
        row = records[target].get(related)
        if row is not None:
            found.extend(_resolve(records, target, row, path[1:]))
    return found


def _check_path(model: str, path: list[str], fields: dict[str, frozenset[str]]) -> None:
    for step in path:
        if step not in fields[model]:
            raise DomainError(f"Invalid field {model}.{step} in leaf")
        model = RELATIONS[model].get(step, model)


def _plain(value: Any) -> Any:
    """A many2one's id; amounts as Decimal so 10 and 10.0 compare equal."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
        return value[0]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _like(value: Any, pattern: str, op: str) -> bool:
    if not isinstance(value, str):
        value = "" if value is False or value is None else str(value)
    flags = re.IGNORECASE if "ilike" in op else 0
    if op.startswith("="):
        regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        return re.fullmatch(regex, value, flags | re.DOTALL) is not None
    return re.search(re.escape(pattern), value, flags) is not None


def _leaf_true(value: Any, op: str, wanted: Any) -> bool:
    left = _plain(value)
    if op in ("in", "not in"):
        if not isinstance(wanted, list):
            raise DomainError(f"The value of operator {op!r} must be a list")
        inside = left in [_plain(w) for w in wanted]
        return inside if op == "in" else not inside
    if op in ("like", "ilike", "=like", "=ilike", "not like", "not ilike"):
        if not isinstance(wanted, str):
            raise DomainError(f"The value of operator {op!r} must be a string")
        matched = _like(value, wanted, op.removeprefix("not "))
        return not matched if op.startswith("not ") else matched
    right = _plain(wanted)
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    try:
        if op == ">":
            return bool(left > right)
        if op == ">=":
            return bool(left >= right)
        if op == "<":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False  # False (unset) against a value: SQL's NULL compares to nothing


_LEAF_OPERATORS = frozenset(
    {"=", "!=", ">", ">=", "<", "<=", "in", "not in"}
    | {"like", "ilike", "=like", "=ilike", "not like", "not ilike"}
)


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda row: first(row) and second(row)


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda row: first(row) or second(row)


def _negated(inner: Predicate) -> Predicate:
    return lambda row: not inner(row)


def read_domain(
    domain: Any, model: str, records: Records, fields: dict[str, frozenset[str]]
) -> Predicate:
    """A record predicate for an Odoo domain: prefix ``&``, ``|``, ``!`` over leaves
    ``[path, operator, value]``, consecutive terms joined by ``&``. Values are compared as
    values (no expression is ever evaluated)."""
    if not isinstance(domain, list):
        raise DomainError("The domain must be a list")
    stack: list[Predicate] = []
    for term in reversed(domain):
        if term in ("&", "|"):
            if len(stack) < 2:
                raise DomainError(f"Operator {term!r} needs two terms")
            first, second = stack.pop(), stack.pop()
            stack.append(_both(first, second) if term == "&" else _either(first, second))
        elif term == "!":
            if not stack:
                raise DomainError("Operator '!' needs a term")
            stack.append(_negated(stack.pop()))
        elif isinstance(term, list) and len(term) == 3 and isinstance(term[0], str):
            stack.append(_leaf(term, model, records, fields))
        else:
            raise DomainError(f"Invalid domain term {term!r}")
    return lambda row: all(predicate(row) for predicate in stack)


def _leaf(
    term: list[Any], model: str, records: Records, fields: dict[str, frozenset[str]]
) -> Predicate:
    name, op, wanted = term
    if op not in _LEAF_OPERATORS:
        raise DomainError(f"Invalid operator {op!r}")
    path = name.split(".")
    _check_path(model, path, fields)
    negative = op in ("!=", "not in", "not like", "not ilike")

    def test(row: Json) -> bool:
        values = _resolve(records, model, row, path)
        results = [_leaf_true(value, op, wanted) for value in values or [False]]
        return all(results) if negative else any(results)

    return test
