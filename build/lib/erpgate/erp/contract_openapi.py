"""The ERP contract as an OpenAPI 3.1 document for ERP developers, generated from the models.

Run ``python -m erpgate.erp.contract_openapi > docs/erp-contract.openapi.json`` after changing
the contract; a test fails while the committed file differs from what this module generates.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from erpgate.erp.contract import REQUEST_MODELS, RESPONSE_MODELS, SubmitOrderRejection
from erpgate.erp.endpoints import Endpoint

CONTRACT_VERSION = "1"

# Placeholder paths: every ERP chooses its own URLs; the merchant pastes them into the settings.
PATHS: dict[Endpoint, str] = {
    Endpoint.ORDERS: "/orders",
    Endpoint.ORDER: "/orders/get",
    Endpoint.INVOICES: "/invoices",
    Endpoint.INVOICE: "/invoices/get",
    Endpoint.BALANCE: "/balance",
    Endpoint.TAXES: "/checkout/taxes",
    Endpoint.SHIPPING: "/checkout/shipping",
    Endpoint.SUBMIT_ORDER: "/orders/submit",
    Endpoint.PRICES: "/prices",
    Endpoint.INVENTORY: "/inventory",
}

SUMMARIES: dict[Endpoint, str] = {
    Endpoint.ORDERS: "List a customer's orders, one page at a time",
    Endpoint.ORDER: "One order with lines, addresses and shipments",
    Endpoint.INVOICES: "List a customer's invoices, one page at a time",
    Endpoint.INVOICE: "One invoice with lines and payments",
    Endpoint.BALANCE: "A customer's accounts-receivable balance and aging",
    Endpoint.TAXES: "Sales tax for a cart at checkout",
    Endpoint.SHIPPING: "Shipping methods and prices for a cart and address at checkout",
    Endpoint.SUBMIT_ORDER: "Create an order placed in the store (sent again with the same "
    "Idempotency-Key until it is answered)",
    Endpoint.PRICES: "A customer's own prices (and quantity breaks) for up to 100 SKUs",
    Endpoint.INVENTORY: "Stock available to a customer for up to 100 SKUs, per warehouse",
}

BY_ID = (Endpoint.ORDER, Endpoint.INVOICE)

_HEADERS: list[dict[str, Any]] = [
    {
        "name": "X-Request-Id",
        "in": "header",
        "required": True,
        "description": "Id of this outbound request, shown in the merchant's event log.",
        "schema": {"type": "string"},
    },
    {
        "name": "traceparent",
        "in": "header",
        "required": True,
        "description": "W3C trace context of the storefront request that caused this call.",
        "schema": {"type": "string"},
    },
    {
        "name": "User-Agent",
        "in": "header",
        "required": True,
        "description": "<product>/<version> of the integration.",
        "schema": {"type": "string"},
    },
]

_IDEMPOTENCY_HEADER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "The order's reference. A key seen before must answer the order created "
    "then (same order_id), never create a second one: a timed-out call is sent again.",
    "schema": {"type": "string"},
}

_SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Auth style `bearer` (default): `Authorization: Bearer <Token>`; with a Key "
        "set, `X-Api-Key: <Key>` is sent too.",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "Sent beside the bearer token when the Key is set (auth style `bearer`).",
    },
    "header": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "Auth style `header`: the Key is the header name (X-Api-Key is only an "
        "example) and the Token its value. When the Key is `Authorization` and the Token has no "
        "scheme, `Bearer ` is put in front.",
    },
    "basic": {
        "type": "http",
        "scheme": "basic",
        "description": "Auth style `basic`: the Key as user name, the Token as password.",
    },
    "oauth2": {
        "type": "oauth2",
        "description": "Auth style `oauth2`: client-credentials grant with the Key as client id "
        "and the Token as client secret, at the token URL in the settings. The access token is "
        "reused until shortly before it expires and fetched again after a 401.",
        "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}},
    },
}

_ERROR_DESCRIPTION = (
    "Any other status, a timeout, a reset connection, a body that is not JSON or breaks the "
    "contract (a 200 carrying an error object among them), a body over the size cap (5 MB by "
    "default) or a redirect is an integration error: the buyer sees a reference code, the "
    "merchant gets the full request and answer in the event log."
)
_CREDENTIAL_RESPONSES: dict[str, Any] = {
    "401": {"description": "Missing or wrong credentials (oauth2: we fetch a new token once)."},
    "403": {
        "description": "Right credentials, not allowed to call this endpoint (no retry). Never "
        "for another customer's record: that is not found."
    },
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json_body(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": _json_body(RESPONSE_MODELS[endpoint], "The answer."),
    }
    if endpoint in BY_ID:
        responses["200"]["description"] = (
            'The answer; `{"data": null}` means not found, like a 404.'
        )
        responses["404"] = {
            "description": "Not found, also for an id that belongs to another customer."
        }
    if endpoint is Endpoint.BALANCE:
        responses["404"] = {"description": "Unknown customer."}
    if endpoint in (Endpoint.TAXES, Endpoint.SHIPPING):
        responses["200"]["description"] = (
            "The answer, for any customer code, known to the ERP or not (default rules)."
        )
    if endpoint in (Endpoint.PRICES, Endpoint.INVENTORY):
        responses["200"]["description"] = (
            "One row per SKU you know; leave out a SKU you do not price or stock (not an error). "
            "Rows for SKUs not asked are ignored."
        )
    parameters = _HEADERS
    if endpoint is Endpoint.SUBMIT_ORDER:
        responses["200"]["description"] = (
            "Accepted (201 is read the same). For an Idempotency-Key seen before, the order "
            "created then, never a second one."
        )
        responses["422"] = _json_body(
            SubmitOrderRejection,
            "Rejected by your rules (blocked account, unknown SKU, credit hold): final, never "
            "sent again. `buyer_message` is shown to the buyer as written; `message` only to "
            "the merchant's staff.",
        )
        parameters = [*_HEADERS, _IDEMPOTENCY_HEADER]
    responses.update(_CREDENTIAL_RESPONSES)
    responses["default"] = {"description": _ERROR_DESCRIPTION}
    return {
        "operationId": endpoint.value,
        "summary": endpoint.label,
        "description": SUMMARIES[endpoint] + ". Optional: the feature is on while its URL is set.",
        "parameters": parameters,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(REQUEST_MODELS[endpoint])}},
        },
        "responses": responses,
    }


def contract_openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the ERP contract: ten POST operations and their shapes."""
    models: list[type[BaseModel]] = [
        *REQUEST_MODELS.values(),
        *RESPONSE_MODELS.values(),
        SubmitOrderRejection,
    ]
    _, top = models_json_schema(
        [(model, "validation") for model in models],
        ref_template="#/components/schemas/{model}",
    )
    schemas = dict(sorted(top.get("$defs", {}).items()))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "erpgate ERP contract",
            "version": CONTRACT_VERSION,
            "description": (
                "What the integration sends to a merchant's ERP and what it expects back. "
                "Every endpoint is a JSON POST and optional. Money is a decimal string or number; "
                "dates are ISO 8601 (a date-time's offset is optional: its date as written is "
                "used). Unknown fields are ignored; optional fields may be missing or null. Where "
                "an answer carries `customer_code`, it must be the one asked for. Answers are at "
                "most 5 MB. Lists sort newest first with the id as tie-breaker, answer page_size "
                "(at most 100) rows per page, filter with search, status and both-inclusive "
                "dates, and hold only the customer's own rows. docs/erp-contract.md explains "
                "every rule."
            ),
        },
        "servers": [{"url": "https://erp.example.com/api", "description": "Your ERP"}],
        "paths": {PATHS[endpoint]: {"post": _operation(endpoint)} for endpoint in Endpoint},
        "components": {"schemas": schemas, "securitySchemes": _SECURITY_SCHEMES},
        "security": [
            {"bearer": []},
            {"bearer": [], "apiKey": []},
            {"header": []},
            {"basic": []},
            {"oauth2": []},
        ],
    }


def contract_openapi_text() -> str:
    """The document as committed in docs/erp-contract.openapi.json."""
    return json.dumps(contract_openapi(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    sys.stdout.write(contract_openapi_text())


if __name__ == "__main__":
    main()
