"""Twin of the SAP Business One Service Layer (``/b1s/v2/``): cookie sessions from Login, 20-row
pages with ``@odata.nextLink``, Orders, Invoices and BusinessPartners over the mock's data.

Its sessions idle out as B1's do, so an adapter's log-in-again-and-retry-once path is exercised.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from erpgate.mock_erp.faults import json_response
from erpgate.mock_erp.state import MockErpState
from erpgate.twins import odata
from erpgate.twins.common import (
    FOREIGN_NEXT_LINK,
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
    numeric_id,
    other_customers_rows,
    record,
)

BASE_PATH = "/b1s/v2"
PAGE_SIZE = 20
VERSION = "1000190"
ROUTE_ID = ".node1"
MONEY_KEYS = frozenset(
    {"DocTotal", "PaidToDate", "Price", "LineTotal", "CurrentAccountBalance", "OpenOrdersBalance"}
)
_OPEN = frozenset({"Open", "Processing", "Partially Shipped"})
_PATH = re.compile(r"^(Orders|Invoices)(?:\((.*)\))?$")
_PARTNER = re.compile(r"^BusinessPartners\('((?:[^']|'')*)'\)$")
NOT_FOUND_CODE = "-2028"


def error(status: int, code: str, message: str) -> web.Response:
    return json_response({"error": {"code": code, "message": message}}, status=status)


VENDOR = Vendor(error, MONEY_KEYS, frozenset({"ShipToCode", "CardName", "ItemDescription"}))


def _not_found() -> web.Response:
    return error(404, NOT_FOUND_CODE, "No matching records found (ODBC -2028)")


def _invalid_session() -> web.Response:
    return error(401, "301", "Invalid session or session already timeout.")


def _lines(detail: Json, base_entry: int | None) -> list[Json]:
    lines = []
    for line in detail["lines"]:
        row: Json = {
            "LineNum": line["line_number"] - 1,
            "ItemCode": line["sku"],
            "ItemDescription": line["description"],
            "Quantity": number(line["quantity"]),
            "Price": number(line["unit_price"]),
            "LineTotal": number(line["line_total"]),
            "UoMCode": line["uom"],
            "DeliveredQuantity": number(line["quantity_shipped"]),
        }
        if base_entry is not None:
            # An invoice line copied from an order points at it (BaseType 17 = sales order).
            row.update({"BaseType": 17, "BaseEntry": base_entry})
        lines.append(row)
    return lines


def _document(detail: Json, card_name: str, mock_id: str, mock_status: str) -> Json:
    entry = numeric_id(mock_id)
    return {
        "DocEntry": entry,
        "DocNum": entry,
        "CardCode": detail["customer_code"],
        "CardName": card_name,
        "DocDate": detail["date"],
        "DocTotal": number(detail["total"]),
        "DocCurrency": detail["currency"],
        "NumAtCard": detail["po_number"],
        "U_ErpgateStatus": mock_status,
        "ShipToCode": detail["ship_to"]["name"],
    }


def _order(detail: Json, card_name: str) -> Json:
    status = detail["status"]
    return {
        **_document(detail, card_name, detail["order_id"], status),
        "DocDueDate": days_after(detail["date"], 7),
        "DocumentStatus": "bost_Open" if status in _OPEN else "bost_Close",
        "Cancelled": "tYES" if status == "Cancelled" else "tNO",
        "DocumentLines": _lines(detail, None),
    }


def _invoice(detail: Json, card_name: str) -> Json:
    balance = Decimal(detail["balance"])
    return {
        **_document(detail, card_name, detail["invoice_id"], detail["status"]),
        "DocDueDate": detail["due_date"],
        "DocumentStatus": "bost_Open" if balance > 0 else "bost_Close",
        "Cancelled": "tNO",
        "PaidToDate": float(Decimal(detail["total"]) - balance),
        "DocumentLines": _lines(detail, numeric_id(detail["order_id"])),
    }


@dataclass(slots=True)
class Sessions:
    """Live B1SESSION ids and when each was last used (the twin's clock, in seconds)."""

    timeout_seconds: float
    last_used: dict[str, float] = field(default_factory=dict)

    def open(self, now: float) -> str:
        session_id = str(uuid.uuid4())
        self.last_used[session_id] = now
        return session_id

    def touch(self, session_id: str | None, now: float) -> bool:
        """Whether the session is live; a live one's idle time starts again."""
        used = self.last_used.get(session_id or "")
        if used is None or now - used >= self.timeout_seconds:
            self.last_used.pop(session_id or "", None)
            return False
        self.last_used[session_id or ""] = now
        return True

    def close(self, session_id: str | None) -> None:
        self.last_used.pop(session_id or "", None)


class SapB1Twin:
    """The Service Layer routes over one mock ERP state."""

    def __init__(self, config: TwinConfig, state: MockErpState) -> None:
        self.config = config
        self.state = state
        self.sessions = Sessions(config.session_timeout_minutes * 60.0)
        data = state.data
        names = {code: customer.name for code, customer in data.customers.items()}
        orders = sorted(data.order_details.values(), key=lambda d: d["order_id"])
        invoices = sorted(data.invoice_details.values(), key=lambda d: d["invoice_id"])
        self.rows: dict[str, list[Json]] = {
            "Orders": [_order(d, names[d["customer_code"]]) for d in orders],
            "Invoices": [_invoice(d, names[d["customer_code"]]) for d in invoices],
        }
        self.by_entry = {
            name: {row["DocEntry"]: row for row in rows} for name, rows in self.rows.items()
        }
        self.partners = {code: self._partner(code) for code in data.customers}

    def _partner(self, code: str) -> Json:
        data = self.state.data
        customer = data.customers[code]
        open_orders = sum(
            (Decimal(r.row["total"]) for r in data.orders[code] if r.row["status"] in _OPEN),
            Decimal("0"),
        )
        return {
            "CardCode": code,
            "CardName": customer.name,
            "CardType": "cCustomer",
            "Currency": customer.currency,
            "CurrentAccountBalance": number(data.balances[code]["balance"]),
            "CreditLimit": float(customer.credit_limit),
            "OpenOrdersBalance": float(open_orders),
        }

    def _expire_if_asked(self) -> None:
        """The expire_sessions fault, whatever its target: every session ends now, once."""
        asked = [k for k, f in self.state.faults.items() if f.kind == "expire_sessions"]
        if asked:
            self.sessions.last_used.clear()
            for key in asked:
                del self.state.faults[key]

    async def login(self, request: web.Request) -> web.StreamResponse:
        """POST Login: a session cookie for the company database and user."""
        raw = await record(self.state, "login", request)
        self._expire_if_asked()

        async def answer() -> web.Response:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return error(400, "-1000", "Invalid JSON in the request body.")
            secrets = self.config.secrets
            if not isinstance(body, dict) or (
                body.get("CompanyDB"),
                body.get("UserName"),
                body.get("Password"),
            ) != (secrets.sap_company_db, secrets.sap_user, secrets.sap_password):
                return error(401, "100000027", "Login failed")
            session_id = self.sessions.open(self.config.clock())
            response = json_response(
                {
                    "@odata.context": f"{request.url.origin()}{BASE_PATH}/$metadata#B1Sessions/$entity",
                    "SessionId": session_id,
                    "Version": VERSION,
                    "SessionTimeout": self.config.session_timeout_minutes,
                }
            )
            response.set_cookie("B1SESSION", session_id, path="/b1s", httponly=True)
            response.set_cookie("ROUTEID", ROUTE_ID, path="/b1s")
            return response

        return await answer_with_faults(request, self.state, "login", answer, vendor=VENDOR)

    def _live_session(self, request: web.Request) -> bool:
        self._expire_if_asked()
        if not request.cookies.get("ROUTEID"):
            return False
        return self.sessions.touch(request.cookies.get("B1SESSION"), self.config.clock())

    async def logout(self, request: web.Request) -> web.Response:
        """POST Logout: ends the session."""
        await record(self.state, "logout", request)
        if not self._live_session(request):
            return _invalid_session()
        self.sessions.close(request.cookies.get("B1SESSION"))
        return web.Response(status=204)

    async def get(self, request: web.Request) -> web.StreamResponse:
        """GET Orders, Invoices (lists and by DocEntry) and BusinessPartners('code')."""
        path = request.match_info["rest"]
        document = _PATH.match(path)
        partner = _PARTNER.match(path)
        if document is not None:
            plural = document.group(1) == "Orders"
            single = "order" if plural else "invoice"
            endpoint = single if document.group(2) is not None else f"{single}s"
        else:
            endpoint = "balance" if partner is not None else "unknown"
        await record(self.state, endpoint, request)
        if not self._live_session(request):
            return _invalid_session()
        if partner is not None:
            return await self._partner_answer(request, partner.group(1).replace("''", "'"))
        if document is None:
            return error(404, "-1000", f"Resource not found for the segment '{path}'.")
        name, key = document.group(1), document.group(2)
        if key is not None:
            return await self._one(request, name, endpoint, key)
        return await self._list(request, name, endpoint)

    async def _partner_answer(self, request: web.Request, code: str) -> web.StreamResponse:
        async def answer() -> web.Response:
            found = self.partners.get(code)
            return _not_found() if found is None else json_response(found)

        async def cross() -> web.Response:
            return json_response(next(p for c, p in self.partners.items() if c != code))

        return await answer_with_faults(
            request, self.state, "balance", answer, vendor=VENDOR, cross=cross
        )

    async def _one(
        self, request: web.Request, name: str, endpoint: str, key: str
    ) -> web.StreamResponse:
        if not key.isdigit():
            return error(400, "-1000", f"Invalid key value '{key}' for DocEntry.")
        row = self.by_entry[name].get(int(key))

        async def answer() -> web.Response:
            return _not_found() if row is None else json_response(row)

        async def cross() -> web.Response:
            asked = row["CardCode"] if row else None
            return json_response(next(r for r in self.rows[name] if r["CardCode"] != asked))

        return await answer_with_faults(
            request, self.state, endpoint, answer, vendor=VENDOR, cross=cross
        )

    async def _list(self, request: web.Request, name: str, endpoint: str) -> web.StreamResponse:
        rows = self.rows[name]
        try:
            query = odata.read_query(request.query, frozenset(rows[0]))
        except odata.ODataError as exc:
            return error(400, "-1000", str(exc))
        matched = query.select(rows)
        select = [s.strip() for s in request.query.get("$select", "").split(",") if s.strip()]
        context = f"{request.url.origin()}{BASE_PATH}/$metadata#{name}"

        def page_of(found: Sequence[Json]) -> web.Response:
            mistake = list_mistake(self.state, endpoint)
            if mistake == "huge_page":
                body: dict[str, Any] = {
                    "@odata.context": context,
                    "value": huge_rows(found, self.state, endpoint),
                }
                return json_response(body)
            size = odata.max_page_size(request.headers.get("Prefer"), PAGE_SIZE)
            page = odata.cut_page(found, query, size)
            shown = (
                [{k: r[k] for k in select if k in r} for r in page.rows] if select else page.rows
            )
            body = {"@odata.context": context, "value": shown}
            if mistake == "foreign_next_link":
                body["@odata.nextLink"] = FOREIGN_NEXT_LINK
            elif page.next_skip is not None:
                body["@odata.nextLink"] = odata.next_link(name, request.query, page)
            return json_response(body)

        async def answer() -> web.Response:
            return page_of(matched)

        async def cross() -> web.Response:
            return page_of(other_customers_rows(rows, matched, lambda r: r["CardCode"]))

        return await answer_with_faults(
            request, self.state, endpoint, answer, vendor=VENDOR, cross=cross
        )


def build_app(config: TwinConfig) -> web.Application:
    """The SAP Business One Service Layer twin's application."""
    app, state = new_twin_app(config)
    twin = SapB1Twin(config, state)
    app.router.add_post(f"{BASE_PATH}/Login", twin.login)
    app.router.add_post(f"{BASE_PATH}/Logout", twin.logout)
    app.router.add_get(BASE_PATH + "/{rest:.*}", twin.get)
    add_index(app, "sap-b1", BASE_PATH)
    return app
