"""Request bodies the checker sends, built through the contract's own request models."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from erpgate.erp.contract import (
    Address,
    BalanceRequest,
    InventoryRequest,
    InvoiceRequest,
    OrderRequest,
    OrdersListRequest,
    PriceLine,
    PricesRequest,
    ShippingItem,
    ShippingRequest,
    SubmitLine,
    SubmitOrderRequest,
    SubmitShipping,
    SubmitTax,
    SubmitTotals,
    TaxesRequest,
    TaxHeader,
    TaxLine,
    TaxRequestBody,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.kit.clock import utcnow

DEFAULT_PAGE_SIZE = 10
# An id no ERP issues; the by_id.unknown rule expects "not found" for it.
UNKNOWN_ID = "ERPGATE-CONFORMANCE-NO-SUCH-ID-0000"
# A customer code no ERP knows: taxes and shipping must answer it all the same (a new account).
NEW_CUSTOMER = "ERPGATE-CONFORMANCE-NEW-CUSTOMER"
SAMPLE_FREIGHT = Decimal("10.00")
SAMPLE_SKU = "5620"  # the sample carts' item; a test order takes a SKU of the ERP's own
SAMPLE_UNIT_PRICE = Decimal("1.00")  # a test order's price when the known order's line has none
SAMPLE_CURRENCY = "USD"
IDEMPOTENCY_HEADER = "Idempotency-Key"


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
    # The SKU of the test order; without it, one from a line of a known order of the customer.
    submit_sku: str | None = None
    # SKUs the ERP prices and stocks; without them, those of the lines of a known order.
    skus: list[str] = field(default_factory=list)
    currency: str = SAMPLE_CURRENCY  # the prices asked for are in it (the admin: the store's)
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


@dataclass(frozen=True, slots=True)
class SampleItem:
    """What the test order buys, one of it, and where the checker took it from."""

    sku: str
    origin: str  # "given", or e.g. "a line of order SO-100100"
    description: str | None = None
    uom: str | None = None
    unit_price: Decimal = SAMPLE_UNIT_PRICE
    currency: str = SAMPLE_CURRENCY
    ship_to: Address | None = None


def new_reference() -> str:
    """A fresh order reference, also the Idempotency-Key: ``CHECK-<random hex>``."""
    return f"CHECK-{secrets.token_hex(6)}"


def idempotency_key(reference: str) -> tuple[tuple[str, str], ...]:
    return ((IDEMPOTENCY_HEADER, reference),)


def submit_payload(
    plan: CheckPlan, reference: str, item: SampleItem, customer_code: str | None = None
) -> dict[str, Any]:
    """One test order of ``item``, freight included, as the delivery worker sends an order;
    ``customer_code`` another customer (without the plan's seller reference)."""
    ship_to = item.ship_to or Address(name="erpgate check-erp", **plan.shipping_address)
    line = SubmitLine(
        line_number=1,
        sku=item.sku,
        description=item.description,
        uom=item.uom,
        quantity=Decimal("1"),
        unit_price=item.unit_price,
        line_total=item.unit_price,
        price_source="catalog",
    )
    total = item.unit_price + SAMPLE_FREIGHT
    return SubmitOrderRequest(
        customer_code=customer_code or plan.customer_code,
        seller_reference=None if customer_code else plan.seller_reference,
        order_reference=reference,
        po_number=None,
        placed_at=utcnow().replace(microsecond=0),
        currency=item.currency,
        ship_to=ship_to,
        lines=[line],
        shipping=SubmitShipping(label="Ground", amount=SAMPLE_FREIGHT, source="fallback"),
        tax=SubmitTax(amount=Decimal("0.00"), source="fallback", estimated=True),
        totals=SubmitTotals(
            subtotal=item.unit_price, shipping=SAMPLE_FREIGHT, tax=Decimal("0.00"), total=total
        ),
        notes="Test order placed by erpgate check-erp: cancel it",
    ).to_wire()


def prices_payload(plan: CheckPlan, skus: Sequence[str]) -> dict[str, Any]:
    """One unit of each SKU, as a catalog page asks."""
    return PricesRequest(
        customer_code=plan.customer_code,
        seller_reference=plan.seller_reference,
        currency=plan.currency,
        lines=[PriceLine(sku=sku, quantity=Decimal(1)) for sku in skus],
    ).to_wire()


def inventory_payload(plan: CheckPlan, skus: Sequence[str]) -> dict[str, Any]:
    return InventoryRequest(
        customer_code=plan.customer_code, seller_reference=plan.seller_reference, skus=list(skus)
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
    if endpoint is Endpoint.PRICES:
        return prices_payload(plan, plan.skus or [SAMPLE_SKU])
    if endpoint is Endpoint.INVENTORY:
        return inventory_payload(plan, plan.skus or [SAMPLE_SKU])
    if endpoint is Endpoint.SUBMIT_ORDER:
        # ``record_id`` is the reference: the probe needs an Idempotency-Key of its own.
        return submit_payload(plan, record_id, SampleItem(plan.submit_sku or SAMPLE_SKU, "given"))
    return shipping_payload(plan)
