"""Twin of ERPNext's Frappe REST API: ``/api/resource/{DocType}`` lists with JSON ``fields`` and
``filters``, documents by name, and the whitelisted ``get_balance_on`` method."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial

import orjson
from aiohttp import web

from erpgate.mock_erp.faults import json_response
from erpgate.mock_erp.state import MockErpState
from erpgate.twins.common import (
    Json,
    TwinConfig,
    Vendor,
    add_index,
    answer_with_faults,
    days_after,
    huge_rows,
    list_mistake,
    new_twin_app,
    number,
    other_customers_rows,
    record,
)
from erpgate.twins.erpnext_query import (
    FrappeError,
    int_param,
    json_param,
    read_filters,
    read_order_by,
    row_sort_key,
)

BASE_PATH = "/api"
DEFAULT_PAGE_LENGTH = 20
BALANCE_METHOD = "erpnext.accounts.utils.get_balance_on"
MONEY_KEYS = frozenset({"grand_total", "outstanding_amount", "rate", "amount", "message"})
_STATUS = {
    "Open": "To Deliver and Bill",
    "Processing": "To Deliver and Bill",
    "Partially Shipped": "To Deliver",
    "Shipped": "Completed",
    "Delivered": "Completed",
    "Cancelled": "Cancelled",
}


def error(status: int, code: str, message: str) -> web.Response:
    exc_type = {401: "AuthenticationError", 404: "DoesNotExistError"}.get(status, code)
    return json_response(
        {
            "exc_type": exc_type,
            "exception": f"frappe.exceptions.{exc_type}: {message}",
            "_server_messages": orjson.dumps([message]).decode(),
        },
        status=status,
    )


VENDOR = Vendor(
    error, MONEY_KEYS, frozenset({"shipping_address_name", "customer_name", "item_name"})
)


def _unauthorized() -> web.Response:
    return json_response(
        {
            "exc_type": "AuthenticationError",
            "exception": "frappe.exceptions.AuthenticationError",
            "_server_messages": orjson.dumps(["Invalid API key"]).decode(),
        },
        status=401,
    )


def _not_found(doctype: str, name: str) -> web.Response:
    return json_response(
        {
            "exc_type": "DoesNotExistError",
            "exception": f"frappe.exceptions.DoesNotExistError: {doctype} {name} not found",
        },
        status=404,
    )


def _items(detail: Json, with_order: bool) -> list[Json]:
    items = []
    for line in detail["lines"]:
        item: Json = {
            "idx": line["line_number"],
            "item_code": line["sku"],
            "item_name": line["description"],
            "qty": number(line["quantity"]),
            "delivered_qty": number(line["quantity_shipped"]),
            "uom": line["uom"],
            "rate": number(line["unit_price"]),
            "amount": number(line["line_total"]),
        }
        if with_order:
            item["sales_order"] = detail["order_id"]
        items.append(item)
    return items


def _order(detail: Json, customer_name: str) -> Json:
    return {
        "name": detail["order_id"],
        "customer": detail["customer_code"],
        "customer_name": customer_name,
        "transaction_date": detail["date"],
        "delivery_date": days_after(detail["date"], 7),
        "status": _STATUS[detail["status"]],
        "erpgate_status": detail["status"],
        # Frappe's document state on every doctype: 1 submitted, 2 cancelled (0 draft).
        "docstatus": 2 if detail["status"] == "Cancelled" else 1,
        "grand_total": number(detail["total"]),
        "currency": detail["currency"],
        "po_no": detail["po_number"],
        "shipping_address_name": detail["ship_to"]["name"],
    }


def _invoice_status(detail: Json, today: str) -> str:
    balance, total = Decimal(detail["balance"]), Decimal(detail["total"])
    if balance <= 0:
        return "Paid"
    if detail["due_date"] < today:
        return "Overdue"
    return "Partly Paid" if balance < total else "Unpaid"


def _invoice(detail: Json, customer_name: str, today: str) -> Json:
    return {
        "name": detail["invoice_id"],
        "customer": detail["customer_code"],
        "customer_name": customer_name,
        "posting_date": detail["date"],
        "due_date": detail["due_date"],
        "status": _invoice_status(detail, today),
        "docstatus": 1,
        "grand_total": number(detail["total"]),
        "outstanding_amount": number(detail["balance"]),
        "currency": detail["currency"],
        "po_no": detail["po_number"],
    }


class _DocType:
    def __init__(self, name: str, endpoints: tuple[str, str], rows: list[Json]) -> None:
        self.name = name
        self.list_endpoint, self.one_endpoint = endpoints
        self.rows = rows
        self.fields = frozenset(rows[0]) if rows else frozenset({"name"})


class ErpNextTwin:
    """The REST routes over one mock ERP state."""

    def __init__(self, config: TwinConfig, state: MockErpState) -> None:
        self.config = config
        self.state = state
        data = state.data
        names = {code: customer.name for code, customer in data.customers.items()}
        today = data.today.isoformat()
        orders = sorted(data.order_details.values(), key=lambda d: d["order_id"], reverse=True)
        invoices = sorted(
            data.invoice_details.values(), key=lambda d: d["invoice_id"], reverse=True
        )
        self.doctypes = {
            "Sales Order": _DocType(
                "Sales Order",
                ("orders", "order"),
                [_order(d, names[d["customer_code"]]) for d in orders],
            ),
            "Sales Invoice": _DocType(
                "Sales Invoice",
                ("invoices", "invoice"),
                [_invoice(d, names[d["customer_code"]], today) for d in invoices],
            ),
        }
        self.items = {d["order_id"]: _items(d, False) for d in orders}
        self.items.update({d["invoice_id"]: _items(d, True) for d in invoices})

    def _authorized(self, request: web.Request) -> bool:
        secrets = self.config.secrets
        expected = f"token {secrets.erpnext_api_key}:{secrets.erpnext_api_secret}"
        return request.headers.get("Authorization", "").strip() == expected

    async def resource(self, request: web.Request) -> web.StreamResponse:
        """GET /api/resource/{doctype}[/{name}]."""
        doctype_name = request.match_info["doctype"]
        name = request.match_info.get("name")
        doctype = self.doctypes.get(doctype_name)
        if doctype is not None:
            endpoint = doctype.one_endpoint if name is not None else doctype.list_endpoint
        else:
            endpoint = "balance" if doctype_name == "Customer" else "unknown"
        await record(self.state, endpoint, request)
        if not self._authorized(request):
            return _unauthorized()
        if doctype_name == "Customer" and name is not None:
            return await self._customer(request, name)
        if doctype is None:
            return _not_found("DocType", doctype_name)
        if name is not None:
            return await self._one(request, doctype, name)
        return await self._list(request, doctype)

    async def _customer(self, request: web.Request, code: str) -> web.StreamResponse:
        data = self.state.data

        def body(found: str) -> Json:
            customer = data.customers[found]
            limit = float(customer.credit_limit)
            return {
                "data": {
                    "name": customer.code,
                    "customer_name": customer.name,
                    "default_currency": customer.currency,
                    "credit_limits": [{"company": "erpgate twin", "credit_limit": limit}],
                }
            }

        async def answer() -> web.Response:
            if code not in data.customers:
                return _not_found("Customer", code)
            return json_response(body(code))

        async def cross() -> web.Response:
            return json_response(body(next(c for c in data.customers if c != code)))

        return await answer_with_faults(
            request, self.state, "balance", answer, vendor=VENDOR, cross=cross
        )

    async def _one(self, request: web.Request, doctype: _DocType, name: str) -> web.StreamResponse:
        row = next((r for r in doctype.rows if r["name"] == name), None)

        async def answer() -> web.Response:
            if row is None:
                return _not_found(doctype.name, name)
            return json_response({"data": {**row, "items": self.items[name]}})

        async def cross() -> web.Response:
            asked = row["customer"] if row else None
            other = next(r for r in doctype.rows if r["customer"] != asked)
            return json_response({"data": {**other, "items": self.items[other["name"]]}})

        return await answer_with_faults(
            request,
            self.state,
            doctype.one_endpoint,
            answer,
            vendor=VENDOR,
            cross=cross,
        )

    async def _list(self, request: web.Request, doctype: _DocType) -> web.StreamResponse:
        try:
            fields = json_param(request, "fields", ["name"])
            if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
                raise FrappeError("fields must be a JSON list of field names")
            shown = sorted(doctype.fields) if "*" in fields else fields
            unknown = [f for f in shown if f not in doctype.fields]
            if unknown:
                raise FrappeError(f"Field not permitted in query: {unknown[0]}")
            conditions = read_filters(json_param(request, "filters", []), doctype.fields)
            # Frappe's or_filters: a row matches when any of them holds (none given: all rows).
            alternatives = read_filters(json_param(request, "or_filters", []), doctype.fields)
            order = read_order_by(request.query.get("order_by"), doctype.fields)
            start = int_param(request, "limit_start", 0)
            length = int_param(request, "limit_page_length", DEFAULT_PAGE_LENGTH)
        except FrappeError as exc:
            return error(417, "ValidationError", str(exc))
        matched = [
            r
            for r in doctype.rows
            if all(c(r) for c in conditions)
            and (not alternatives or any(a(r) for a in alternatives))
        ]
        for name, descending in reversed(order):
            matched.sort(key=partial(row_sort_key, name), reverse=descending)
        endpoint = doctype.list_endpoint

        def page_of(found: Sequence[Json]) -> web.Response:
            if list_mistake(self.state, endpoint) == "huge_page":
                rows = huge_rows(found, self.state, endpoint)
            else:
                rows = list(found[start : start + length] if length else found[start:])
            return json_response({"data": [{f: r.get(f) for f in shown} for r in rows]})

        async def answer() -> web.Response:
            return page_of(matched)

        async def cross() -> web.Response:
            return page_of(other_customers_rows(doctype.rows, matched, lambda r: r["customer"]))

        return await answer_with_faults(
            request, self.state, endpoint, answer, vendor=VENDOR, cross=cross
        )

    async def balance(self, request: web.Request) -> web.StreamResponse:
        """GET /api/method/erpnext.accounts.utils.get_balance_on."""
        await record(self.state, "balance", request)
        if not self._authorized(request):
            return _unauthorized()
        balances = self.state.data.balances
        party = request.query.get("party", "")

        async def answer() -> web.Response:
            if request.query.get("party_type") != "Customer" or party not in balances:
                return error(417, "ValidationError", f"Invalid Customer: {party}")
            return json_response({"message": number(balances[party]["balance"])})

        async def cross() -> web.Response:
            other = next(c for c in balances if c != party)
            return json_response({"message": number(balances[other]["balance"])})

        return await answer_with_faults(
            request, self.state, "balance", answer, vendor=VENDOR, cross=cross
        )


def build_app(config: TwinConfig) -> web.Application:
    """The ERPNext twin's application."""
    app, state = new_twin_app(config)
    twin = ErpNextTwin(config, state)
    app.router.add_get("/api/resource/{doctype}", twin.resource)
    app.router.add_get("/api/resource/{doctype}/{name}", twin.resource)
    app.router.add_get(f"/api/method/{BALANCE_METHOD}", twin.balance)
    add_index(app, "erpnext", BASE_PATH)
    return app
