"""Request bodies the checker sends, built through the contract's own request models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from erpgate.erp.contract import (
    BalanceRequest,
    InvoiceRequest,
    OrderRequest,
    OrdersListRequest,
    ShippingItem,
    ShippingRequest,
    TaxesRequest,
    TaxHeader,
    TaxLine,
    TaxRequestBody,
)
from erpgate.erp.endpoints import Endpoint

DEFAULT_PAGE_SIZE = 10
# An id no ERP issues; the by_id.unknown rule expects "not found" for it.
UNKNOWN_ID = "ERPGATE-CONFORMANCE-NO-SUCH-ID-0000"
# A customer code no ERP knows: taxes and shipping must answer it all the same (a new account).
NEW_CUSTOMER = "ERPGATE-CONFORMANCE-NEW-CUSTOMER"
SAMPLE_FREIGHT = Decimal("10.00")


@dataclass(slots=True)
class CheckPlan:
    """Who to ask about and which ids are known; shared by both front ends."""

    customer_code: str
    seller_reference: str | None = None
    order_id: str | None = None
    invoice_id: str | None = None
    other_customer_code: str | None = None
    other_order_id: str | None = None
    other_invoice_id: str | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    budgets_ms: dict[Endpoint, float] = field(default_factory=dict)  # default: the timeout
    shipping_address: dict[str, str | None] = field(
        default_factory=lambda: {
            "address1": "12 Main St",
            "address2": None,
            "address3": None,
            "city": "GIBSONBURG",
            "state": "OH",
            "country": "US",
            "zip": "43431",
        }
    )


def list_payload(
    plan: CheckPlan,
    *,
    customer_code: str | None = None,
    page: int = 1,
    page_size: int | None = None,
    search: str | None = None,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[str, Any]:
    """Orders and invoices lists share one request shape; ``customer_code`` asks for another
    customer (without the plan's seller reference, which is this customer's)."""
    other = customer_code is not None and customer_code != plan.customer_code
    return OrdersListRequest(
        customer_code=customer_code or plan.customer_code,
        seller_reference=None if other else plan.seller_reference,
        page=page,
        page_size=page_size or plan.page_size,
        search=search,
        status=status,
        date_from=date_from,
        date_to=date_to,
    ).to_wire()


def by_id_payload(plan: CheckPlan, endpoint: Endpoint, record_id: str) -> dict[str, Any]:
    if endpoint is Endpoint.ORDER:
        return OrderRequest(
            customer_code=plan.customer_code,
            seller_reference=plan.seller_reference,
            order_id=record_id,
        ).to_wire()
    return InvoiceRequest(
        customer_code=plan.customer_code,
        seller_reference=plan.seller_reference,
        invoice_id=record_id,
    ).to_wire()


def balance_payload(plan: CheckPlan) -> dict[str, Any]:
    return BalanceRequest(
        customer_code=plan.customer_code, seller_reference=plan.seller_reference
    ).to_wire()


def taxes_payload(plan: CheckPlan, customer_code: str | None = None) -> dict[str, Any]:
    """The sample cart, with freight as the checkout sends it; ``customer_code`` another one."""
    header = TaxHeader(
        customer_code=customer_code or plan.customer_code,
        shiptopostcode=plan.shipping_address.get("zip"),
        seller_reference=None if customer_code else plan.seller_reference,
        shipping_amount=SAMPLE_FREIGHT,
    )
    lines = [
        TaxLine(item_sku="5620", line_amount=Decimal("33.60")),
        TaxLine(item_sku="TST03", line_amount=Decimal("0.60")),
    ]
    return TaxesRequest(request=TaxRequestBody(header=header, lines=lines)).to_wire()


def shipping_payload(plan: CheckPlan, customer_code: str | None = None) -> dict[str, Any]:
    item = ShippingItem(
        sku="5620",
        quantity=Decimal("2"),
        uom="EA",
        unit_price=Decimal("16.80"),
        total_price=Decimal("33.60"),
    )
    return ShippingRequest(
        customer_code=customer_code or plan.customer_code, items=[item], **plan.shipping_address
    ).to_wire()


def sample_payload(plan: CheckPlan, endpoint: Endpoint, record_id: str) -> dict[str, Any]:
    """A valid request for any endpoint (the auth.required rule sends one without credentials)."""
    if endpoint in (Endpoint.ORDERS, Endpoint.INVOICES):
        return list_payload(plan)
    if endpoint in (Endpoint.ORDER, Endpoint.INVOICE):
        return by_id_payload(plan, endpoint, record_id)
    if endpoint is Endpoint.BALANCE:
        return balance_payload(plan)
    if endpoint is Endpoint.TAXES:
        return taxes_payload(plan)
    return shipping_payload(plan)
