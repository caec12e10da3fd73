"""The ten ERP operations, their names in settings, pages, events and the mock ERP.

Nine read (the storefront and checkout ask; ``prices`` and ``inventory`` carry many SKUs per
call); ``submit_order`` writes: the delivery worker sends placed orders through it, off the
request path."""

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
    SUBMIT_ORDER = "submit_order"
    PRICES = "prices"
    INVENTORY = "inventory"

    @property
    def event_type(self) -> str:
        return EVENT_TYPES[self]

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def default_timeout_seconds(self) -> float:
        # Checkout waits on taxes and shipping while the buyer looks at a spinner: keep them short.
        # Nobody waits on a delivery, and creating an order is an ERP's slowest write.
        if self is Endpoint.SUBMIT_ORDER:
            return 10.0
        # Prices and stock are asked while a catalog page loads: as short as checkout's.
        short = (Endpoint.TAXES, Endpoint.SHIPPING, Endpoint.PRICES, Endpoint.INVENTORY)
        return 3.0 if self in short else 5.0


EVENT_TYPES: dict[Endpoint, str] = {
    Endpoint.ORDERS: "erp.orders.list",
    Endpoint.ORDER: "erp.order.get",
    Endpoint.INVOICES: "erp.invoices.list",
    Endpoint.INVOICE: "erp.invoice.get",
    Endpoint.BALANCE: "erp.balance.get",
    Endpoint.TAXES: "erp.checkout.taxes",
    Endpoint.SHIPPING: "erp.checkout.shipping",
    Endpoint.SUBMIT_ORDER: "erp.order.submit",
    Endpoint.PRICES: "erp.prices.get",
    Endpoint.INVENTORY: "erp.inventory.get",
}

LABELS: dict[Endpoint, str] = {
    Endpoint.ORDERS: "Orders URL",
    Endpoint.ORDER: "Order by id URL",
    Endpoint.INVOICES: "Invoices URL",
    Endpoint.INVOICE: "Invoice by id URL",
    Endpoint.BALANCE: "Customer A/R Balance URL",
    Endpoint.TAXES: "Checkout Taxes URL",
    Endpoint.SHIPPING: "Checkout Shipping Methods URL",
    Endpoint.SUBMIT_ORDER: "Submit Order URL",
    Endpoint.PRICES: "Prices URL",
    Endpoint.INVENTORY: "Inventory URL",
}
