"""Where the reference mock ERP serves each endpoint. `erpgate demo` and `check-erp --base-url`
assume the same layout, so they read it here (no aiohttp behind this import)."""

from __future__ import annotations

PATHS: dict[str, str] = {
    "orders": "/erp/orders",
    "order": "/erp/orders/get",
    "invoices": "/erp/invoices",
    "invoice": "/erp/invoices/get",
    "balance": "/erp/balance",
    "taxes": "/erp/checkout/taxes",
    "shipping": "/erp/checkout/shipping",
    "submit_order": "/erp/orders/submit",
    "prices": "/erp/prices",
    "inventory": "/erp/inventory",
}
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret
