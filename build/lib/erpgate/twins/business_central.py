"""Twin of Dynamics 365 Business Central's API v2.0 (OData v4) with its Entra ID token URL.

Serves the mock ERP's seeded orders, invoices and balances as salesOrders, salesInvoices and
customers(customerFinancialDetail), so a Business Central adapter profile can be tested end to end
without a tenant.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from erpgate.mock_erp.auth import read_token_request
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
    huge_rows,
    list_mistake,
    new_twin_app,
    number,
    other_customers_rows,
    record,
)

TENANT = "erpgate-twin"
ENVIRONMENT = "production"
COMPANY_ID = "8a3f0c1e-0000-4000-8000-000000004935"
BASE_PATH = f"/v2.0/{TENANT}/{ENVIRONMENT}/api/v2.0/companies({COMPANY_ID})"
TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"
# Business Central's server-driven page limit.
SERVER_PAGE_SIZE = 20000
MONEY_KEYS = frozenset(
    {"totalAmountIncludingTax", "remainingAmount", "balance", "unitPrice", "amountIncludingTax"}
)

_STATUS = {
    "Open": "Open",
    "Processing": "Released",
    "Partially Shipped": "Released",
    "Shipped": "Released",
    "Delivered": "Released",
    "Cancelled": "Draft",
}
_PATH = re.compile(r"^companies\(([^)]*)\)/([A-Za-z]+)(?:\(([^)]*)\))?$")


def document_id(mock_id: str) -> str:
    """The document's Business Central id: a uuid5 (URL namespace) of the mock's id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, mock_id))


def error(status: int, code: str, message: str) -> web.Response:
    return json_response({"error": {"code": code, "message": message}}, status=status)


VENDOR = Vendor(
    error, MONEY_KEYS, frozenset({"shipToName", "customerName", "displayName", "description"})
)


def _not_found(what: str) -> web.Response:
    return error(404, "BadRequest_ResourceNotFound", f"The {what} does not exist.")


def _unauthorized() -> web.Response:
    response = error(401, "Unauthorized", "The credentials provided are incorrect")
    response.headers["WWW-Authenticate"] = 'Bearer realm="", error="invalid_token"'
    return response


def _lines(detail: Json) -> list[Json]:
    return [
        {
            "sequence": line["line_number"] * 10000,
            "lineType": "Item",
            "lineObjectNumber": line["sku"],
            "description": line["description"],
            "unitOfMeasureCode": line["uom"],
            "quantity": number(line["quantity"]),
            "unitPrice": number(line["unit_price"]),
            "amountIncludingTax": number(line["line_total"]),
            "shippedQuantity": number(line["quantity_shipped"]),
        }
        for line in detail["lines"]
    ]


def _order(detail: Json, customer_name: str) -> Json:
    return {
        "id": document_id(detail["order_id"]),
        "number": detail["order_id"],
        "externalDocumentNumber": detail["po_number"] or "",
        "orderDate": detail["date"],
        "customerNumber": detail["customer_code"],
        "customerName": customer_name,
        "currencyCode": detail["currency"],
        "status": _STATUS[detail["status"]],
        "erpgateStatus": detail["status"],
        "totalAmountIncludingTax": number(detail["total"]),
        "shipToName": detail["ship_to"]["name"],
        "fullyShipped": detail["status"] in ("Shipped", "Delivered"),
    }


def _invoice(detail: Json) -> Json:
    remaining = number(detail["balance"])
    return {
        "id": document_id(detail["invoice_id"]),
        "number": detail["invoice_id"],
        "externalDocumentNumber": detail["po_number"] or "",
        "invoiceDate": detail["date"],
        "dueDate": detail["due_date"],
        "customerNumber": detail["customer_code"],
        "currencyCode": detail["currency"],
        "orderNumber": detail["order_id"],
        "status": "Open" if remaining > 0 else "Paid",
        "totalAmountIncludingTax": number(detail["total"]),
        "remainingAmount": remaining,
    }


class _Entity:
    """One entity set: its rows, their lines (for $expand) and its contract endpoints."""

    def __init__(
        self,
        rows: list[Json],
        lines: dict[str, list[Json]],
        expand: str,
        endpoints: tuple[str, str],
    ) -> None:
        self.rows = rows
        self.by_id = {row["id"]: row for row in rows}
        self.lines = lines
        self.expand = expand
        self.list_endpoint, self.one_endpoint = endpoints
        self.fields = frozenset(rows[0]) if rows else frozenset()

    def shaped(self, row: Json, query: odata.Query) -> Json:
        if self.expand in query.expand:
            return {**row, self.expand: self.lines[row["id"]]}
        return row


class BusinessCentralTwin:
    """The routes of the twin over one mock ERP state."""

    def __init__(self, config: TwinConfig, state: MockErpState) -> None:
        self.config = config
        self.state = state
        data = state.data
        names = {code: customer.name for code, customer in data.customers.items()}
        orders = sorted(data.order_details.values(), key=lambda d: (d["date"], d["order_id"]))
        invoices = sorted(data.invoice_details.values(), key=lambda d: (d["date"], d["invoice_id"]))
        self.entities = {
            "salesOrders": _Entity(
                [_order(d, names[d["customer_code"]]) for d in orders],
                {document_id(d["order_id"]): _lines(d) for d in orders},
                "salesOrderLines",
                ("orders", "order"),
            ),
            "salesInvoices": _Entity(
                [_invoice(d) for d in invoices],
                {document_id(d["invoice_id"]): _lines(d) for d in invoices},
                "salesInvoiceLines",
                ("invoices", "invoice"),
            ),
        }
        self.customers = [self._customer(code) for code in sorted(data.customers)]

    def _customer(self, code: str) -> Json:
        customer = self.state.data.customers[code]
        balance = self.state.data.balances[code]
        customer_id = document_id(f"customer:{code}")
        return {
            "id": customer_id,
            "number": code,
            "displayName": customer.name,
            "currencyCode": customer.currency,
            "customerFinancialDetail": {
                "id": customer_id,
                "number": code,
                "balance": number(balance["balance"]),
                "totalSalesExcludingTax": sum(
                    number(self.state.data.order_details[r.row["order_id"]]["subtotal"])
                    for r in self.state.data.orders[code]
                    if r.row["status"] != "Cancelled"
                ),
                "overdueAmount": number(balance["past_due"]),
            },
        }

    async def token(self, request: web.Request) -> web.StreamResponse:
        """Entra ID client-credentials token URL."""
        await record(self.state, "token", request)

        async def answer() -> web.Response:
            if request.match_info["tenant"] != TENANT:
                return json_response(
                    {
                        "error": "invalid_tenant",
                        "error_description": f"AADSTS90002: Tenant "
                        f"'{request.match_info['tenant']}' not found.",
                    },
                    status=400,
                )
            fields = await read_token_request(request, await request.read())
            if fields.get("grant_type") != "client_credentials":
                return json_response(
                    {
                        "error": "unsupported_grant_type",
                        "error_description": "AADSTS70003: The app requested an unsupported "
                        "grant type.",
                    },
                    status=400,
                )
            secrets = self.config.secrets
            if (
                fields.get("client_id") != secrets.bc_client_id
                or fields.get("client_secret") != secrets.bc_client_secret
            ):
                return json_response(
                    {
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided.",
                    },
                    status=401,
                )
            tokens = self.state.tokens
            return json_response(
                {
                    "token_type": "Bearer",
                    "expires_in": tokens.expires_in,
                    "ext_expires_in": tokens.expires_in,
                    "access_token": tokens.issue(),
                }
            )

        return await answer_with_faults(request, self.state, "token", answer, vendor=VENDOR)

    def _authorized(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        return scheme.lower() == "bearer" and self.state.tokens.valid(token.strip())

    async def api(self, request: web.Request) -> web.StreamResponse:
        """Every GET under the company: salesOrders, salesInvoices, customers, and by id."""
        match = _PATH.match(request.match_info["rest"])
        entity_name = match.group(2) if match else ""
        key = match.group(3) if match else None
        entity = self.entities.get(entity_name)
        if entity is not None:
            endpoint = entity.one_endpoint if key is not None else entity.list_endpoint
        else:
            endpoint = "balance" if entity_name == "customers" else "unknown"
        await record(self.state, endpoint, request)
        if not self._authorized(request):
            return _unauthorized()
        info = request.match_info
        if (
            match is None
            or info["tenant"] != TENANT
            or info["environment"] != ENVIRONMENT
            or match.group(1) != COMPANY_ID
            or endpoint == "unknown"
            or (endpoint == "balance" and key is not None)
        ):
            return _not_found("resource")
        try:
            if entity is None:
                query = odata.read_query(
                    request.query,
                    ("id", "number", "displayName", "currencyCode"),
                    ("customerFinancialDetail",),
                )
            else:
                query = odata.read_query(request.query, entity.fields, (entity.expand,))
        except odata.ODataError as exc:
            return error(400, "BadRequest", str(exc))
        context = f"{request.url.origin()}/v2.0/{TENANT}/{ENVIRONMENT}/api/v2.0/$metadata"
        if entity is None:
            return await self._customers(request, query, context)
        if key is not None:
            return await self._one(request, entity, key, query, context)
        return await self._list(request, entity, entity_name, query, context)

    async def _one(
        self, request: web.Request, entity: _Entity, key: str, query: odata.Query, context: str
    ) -> web.StreamResponse:
        row = entity.by_id.get(key)

        async def answer() -> web.Response:
            if row is None:
                return _not_found("document")
            return json_response({"@odata.context": context, **entity.shaped(row, query)})

        async def cross() -> web.Response:
            asked = row["customerNumber"] if row else None
            other = next(r for r in entity.rows if r["customerNumber"] != asked)
            return json_response({"@odata.context": context, **entity.shaped(other, query)})

        return await answer_with_faults(
            request,
            self.state,
            entity.one_endpoint,
            answer,
            vendor=VENDOR,
            cross=cross,
        )

    async def _list(
        self,
        request: web.Request,
        entity: _Entity,
        name: str,
        query: odata.Query,
        context: str,
    ) -> web.StreamResponse:
        matched = query.select(entity.rows)
        endpoint = entity.list_endpoint
        context = f"{context}#companies({COMPANY_ID})/{name}"

        def page_of(rows: Sequence[Json]) -> web.Response:
            mistake = list_mistake(self.state, endpoint)
            if mistake == "huge_page":
                body: dict[str, Any] = {
                    "@odata.context": context,
                    "value": [
                        entity.shaped(r, query) for r in huge_rows(rows, self.state, endpoint)
                    ],
                }
                return json_response(body)
            size = odata.max_page_size(request.headers.get("Prefer"), SERVER_PAGE_SIZE)
            page = odata.cut_page(rows, query, size)
            body = {
                "@odata.context": context,
                "value": [entity.shaped(r, query) for r in page.rows],
            }
            if mistake == "foreign_next_link":
                body["@odata.nextLink"] = FOREIGN_NEXT_LINK
            elif page.next_skip is not None:
                base = str(request.url.with_query(None))
                body["@odata.nextLink"] = odata.next_link(base, request.query, page)
            return json_response(body)

        async def answer() -> web.Response:
            return page_of(matched)

        async def cross() -> web.Response:
            return page_of(
                other_customers_rows(entity.rows, matched, lambda r: r["customerNumber"])
            )

        return await answer_with_faults(
            request, self.state, endpoint, answer, vendor=VENDOR, cross=cross
        )

    async def _customers(
        self, request: web.Request, query: odata.Query, context: str
    ) -> web.StreamResponse:
        def shaped(row: Json) -> Json:
            if "customerFinancialDetail" in query.expand:
                return row
            return {k: v for k, v in row.items() if k != "customerFinancialDetail"}

        matched = query.select(self.customers)
        context = f"{context}#companies({COMPANY_ID})/customers"

        async def answer() -> web.Response:
            rows = odata.cut_page(matched, query, SERVER_PAGE_SIZE).rows
            return json_response({"@odata.context": context, "value": [shaped(r) for r in rows]})

        async def cross() -> web.Response:
            others = other_customers_rows(self.customers, matched, lambda r: r["number"])
            return json_response({"@odata.context": context, "value": [shaped(others[0])]})

        return await answer_with_faults(
            request, self.state, "balance", answer, vendor=VENDOR, cross=cross
        )


def build_app(config: TwinConfig) -> web.Application:
    """The Business Central twin's application."""
    app, state = new_twin_app(config)
    twin = BusinessCentralTwin(config, state)
    app.router.add_post("/{tenant}/oauth2/v2.0/token", twin.token)
    app.router.add_get("/v2.0/{tenant}/{environment}/api/v2.0/{rest:.*}", twin.api)
    add_index(app, "business-central", BASE_PATH)
    return app
