"""The seven ERP operations, their names in settings, pages, events and the mock ERP."""

from __future__ import annotations

from enum import StrEnum


class Endpoint(StrEnum):
    ORDERS = "orders"
    ORDER = "order"
    INVOICES = "invoices"
    INVOICE = "invoice"
    BALANCE = "balance"
    TAXES = "taxes"
    SHIPPING = "shipping"

    @property
    def event_type(self) -> str:
        return EVENT_TYPES[self]

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def default_timeout_seconds(self) -> float:
        # Checkout waits on taxes and shipping while the buyer looks at a spinner: keep them short.
        return 3.0 if self in (Endpoint.TAXES, Endpoint.SHIPPING) else 5.0


EVENT_TYPES: dict[Endpoint, str] = {
    Endpoint.ORDERS: "erp.orders.list",
    Endpoint.ORDER: "erp.order.get",
    Endpoint.INVOICES: "erp.invoices.list",
    Endpoint.INVOICE: "erp.invoice.get",
    Endpoint.BALANCE: "erp.balance.get",
    Endpoint.TAXES: "erp.checkout.taxes",
    Endpoint.SHIPPING: "erp.checkout.shipping",
}

LABELS: dict[Endpoint, str] = {
    Endpoint.ORDERS: "Orders URL",
    Endpoint.ORDER: "Order by id URL",
    Endpoint.INVOICES: "Invoices URL",
    Endpoint.INVOICE: "Invoice by id URL",
    Endpoint.BALANCE: "Customer A/R Balance URL",
    Endpoint.TAXES: "Checkout Taxes URL",
    Endpoint.SHIPPING: "Checkout Shipping Methods URL",
}
