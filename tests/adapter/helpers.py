"""Shared arrangements of the adapter tests: a shop, a signed-in admin, ERP answers."""

from __future__ import annotations

from typing import Any

API = "/api/v1/admin/integration/adapter"
PAGE = "/admin/apps/generic-erp/adapter"
CUSTOMER = "C0004935"


def bc_orders_answer(customer: str = CUSTOMER) -> dict[str, Any]:
    """Two sales orders as Business Central's API v2.0 answers them."""
    return {
        "@odata.context": "https://api.businesscentral.dynamics.com/$metadata#salesOrders",
        "value": [
            {
                "number": "S-ORD101001",
                "orderDate": "2026-10-01",
                "status": "Open",
                "externalDocumentNumber": "PO-77",
                "currencyCode": "USD",
                "totalAmountIncludingTax": 1234.5,
                "shipToName": "Toledo Plant",
                "customerNumber": customer,
            },
            {
                "number": "S-ORD101002",
                "orderDate": "2026-09-28",
                "status": "Released",
                "externalDocumentNumber": "",
                "currencyCode": "USD",
                "totalAmountIncludingTax": 99,
                "shipToName": "Toledo Plant",
                "customerNumber": customer,
            },
        ],
    }
