"""The ERP contract, version 1: pydantic models for every request we send and every answer we read.

Reading is tolerant (unknown fields ignored, optional fields missing or null, money as string or
number); writing is exact (``to_wire`` produces the contract's JSON, money as decimal strings).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from erpgate.erp.contract_base import Address as Address
from erpgate.erp.contract_base import ContractModel as ContractModel
from erpgate.erp.contract_base import ErpDate as ErpDate
from erpgate.erp.contract_base import Money as Money
from erpgate.erp.contract_base import WireRequest as WireRequest
from erpgate.erp.contract_base import decimal_text as decimal_text
from erpgate.erp.contract_base import none_as_empty_list
from erpgate.erp.contract_base import parse_erp_date as parse_erp_date
from erpgate.erp.endpoints import Endpoint

# -- shared shapes ---------------------------------------------------------------------------


class Line(ContractModel):
    line_number: int | None = None
    sku: str
    description: str | None = None
    uom: str | None = None
    quantity: Money
    quantity_shipped: Money | None = None
    quantity_backordered: Money | None = None
    unit_price: Money | None = None
    line_total: Money | None = None


MAX_PAGE_SIZE = 100  # the storefront offers 10, 20, 50 and 100 rows per page


class PageMeta(ContractModel):
    page: int | None = None
    page_size: int | None = None
    total: int | None = Field(
        default=None,
        description="Every row matching the request's filters, on all pages (the same number on "
        "every page), not the rows of this page.",
    )
    has_more: bool | None = Field(default=None, description="Whether a next page has rows.")


class _CustomerScoped(WireRequest):
    customer_code: str = Field(min_length=1)
    seller_reference: str | None = None


class _ListRequest(_CustomerScoped):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(
        default=20,
        ge=1,
        le=MAX_PAGE_SIZE,
        description="Rows per page, at most 100. Answer exactly this many rows on every page "
        "but the last; never fewer (a capped page loses the rows after it).",
    )
    search: str | None = Field(
        default=None,
        description="Return only rows whose number or PO number (invoices: also the order id) "
        "contains this text, compared case-insensitively.",
    )
    status: str | None = Field(
        default=None,
        description="Orders: one of your statuses, compared case-insensitively with the whole "
        "status. Invoices: open (balance above zero) or paid (balance zero).",
    )
    date_from: dt.date | None = Field(
        default=None, description="Only rows dated on or after this day (inclusive)."
    )
    date_to: dt.date | None = Field(
        default=None, description="Only rows dated on or before this day (inclusive)."
    )


# -- 1. orders list and 2. order by id -------------------------------------------------------


class OrdersListRequest(_ListRequest):
    pass


class OrderSummary(ContractModel):
    order_id: str
    order_number: str | None = None
    date: ErpDate
    status: str | None = Field(
        default=None, description="Your status, shown to the buyer as written (any case)."
    )
    po_number: str | None = None
    currency: str | None = None
    total: Money
    ship_to_name: str | None = None
    # Not required by the contract; when present the cross-customer guard checks it.
    customer_code: str | None = Field(
        default=None,
        description="Recommended: when given it must be the code asked for, or the whole answer "
        "is refused (a leak becomes an error).",
    )

    @model_validator(mode="after")
    def _default_order_number(self) -> OrderSummary:
        if not self.order_number:
            self.order_number = self.order_id
        return self


class OrdersListResponse(ContractModel):
    data: list[OrderSummary] = Field(
        description="Newest first: date descending, then a unique key (e.g. the id) "
        "descending, so that paging never repeats or skips a row."
    )
    meta: PageMeta | None = None
    statuses: list[str] | None = Field(
        default=None,
        description="Optional: every order status your ERP uses, as shown in rows. With it the "
        "storefront offers a status select instead of a text field.",
    )


class OrderRequest(_CustomerScoped):
    order_id: str = Field(min_length=1)


class Shipment(ContractModel):
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    ship_date: ErpDate | None = None


class OrderDetail(OrderSummary):
    bill_to: Address | None = None
    ship_to: Address | None = None
    lines: list[Line]
    subtotal: Money | None = None
    tax_total: Money | None = None
    shipping_total: Money | None = None
    notes: str | None = None
    shipments: Annotated[list[Shipment], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list
    )


class OrderResponse(ContractModel):
    data: OrderDetail | None


# -- 3. invoices list and 4. invoice by id ---------------------------------------------------


class InvoicesListRequest(_ListRequest):
    pass


class InvoiceSummary(ContractModel):
    invoice_id: str
    invoice_number: str | None = None
    date: ErpDate
    due_date: ErpDate | None = None
    status: str | None = Field(
        default=None,
        description="Your status, shown as written. The open/paid filter follows balance, not "
        "this text.",
    )
    order_id: str | None = None
    po_number: str | None = None
    currency: str | None = None
    total: Money
    balance: Money = Field(description="Unpaid amount: above zero is open, zero is paid.")
    customer_code: str | None = Field(
        default=None,
        description="Recommended: when given it must be the code asked for, or the whole answer "
        "is refused (a leak becomes an error).",
    )

    @model_validator(mode="after")
    def _default_invoice_number(self) -> InvoiceSummary:
        if not self.invoice_number:
            self.invoice_number = self.invoice_id
        return self

    def is_unpaid(self) -> bool:
        return self.balance > 0

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_unpaid() and self.due_date is not None and self.due_date < today


class InvoicesListResponse(ContractModel):
    data: list[InvoiceSummary] = Field(
        description="Newest first: date descending, then a unique key (e.g. the id) "
        "descending, so that paging never repeats or skips a row."
    )
    meta: PageMeta | None = None


class InvoiceRequest(_CustomerScoped):
    invoice_id: str = Field(min_length=1)


class Payment(ContractModel):
    date: ErpDate | None = None
    amount: Money
    method: str | None = None
    reference: str | None = None


class InvoiceDetail(InvoiceSummary):
    bill_to: Address | None = None
    ship_to: Address | None = None
    lines: Annotated[list[Line], BeforeValidator(none_as_empty_list)] = Field(default_factory=list)
    subtotal: Money | None = None
    tax_total: Money | None = None
    shipping_total: Money | None = None
    terms: str | None = None
    payments: Annotated[list[Payment], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list
    )


class InvoiceResponse(ContractModel):
    data: InvoiceDetail | None


# -- 5. customer A/R balance -----------------------------------------------------------------


class BalanceRequest(_CustomerScoped):
    pass


class AgingBucket(ContractModel):
    label: str
    amount: Money


class LastPayment(ContractModel):
    date: ErpDate | None = None
    amount: Money | None = None


class Balance(ContractModel):
    currency: str | None = None
    balance: Money
    credit_limit: Money | None = None
    available_credit: Money | None = None
    past_due: Money | None = None
    terms: str | None = None
    aging: Annotated[list[AgingBucket], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list
    )
    last_payment: LastPayment | None = None
    customer_code: str | None = None


class BalanceResponse(ContractModel):
    data: Balance


# -- 6. checkout taxes (field names kept from the original platform) ------------------------


class TaxHeader(ContractModel):
    customer_code: str = Field(min_length=1)
    shiptopostcode: str | None = None
    seller_reference: str | None = None
    currency: str | None = None
    ship_to: Address | None = None
    shipping_amount: Money | None = Field(
        default=None,
        description="What the buyer pays for the chosen shipping method, before tax. Tax it "
        "where freight is taxable and include that tax in salestax_amount.",
    )


class TaxLine(ContractModel):
    item_sku: str
    line_amount: Money
    quantity: Money | None = None
    unit_price: Money | None = None


class TaxRequestBody(ContractModel):
    header: TaxHeader
    lines: list[TaxLine]


class TaxesRequest(WireRequest):
    _wire_exclude_none: ClassVar[bool] = True

    request: TaxRequestBody


class TaxLineResult(ContractModel):
    item_sku: str | None = None
    tax_amount: Money | None = None


class TaxData(ContractModel):
    salestax_amount: Money
    lines: list[TaxLineResult] | None = None


class TaxesResponse(ContractModel):
    data: TaxData


# -- 7. checkout shipping methods (field names kept) ----------------------------------------


class ShippingItem(ContractModel):
    sku: str
    quantity: Money
    uom: str | None = None
    unit_price: Money | None = None
    total_price: Money | None = None


class ShippingRequest(WireRequest):
    customer_code: str = Field(min_length=1)
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    items: list[ShippingItem]


class ShippingMethod(ContractModel):
    label: str
    fixed_rate: Money | None = None
    total: Money | None = None
    code: str | None = None
    carrier: str | None = None
    estimated_days: int | None = None

    @model_validator(mode="after")
    def _total_or_fixed_rate(self) -> ShippingMethod:
        # ERPs built for the original platform may send only fixed_rate: the buyer pays that.
        if self.total is None:
            if self.fixed_rate is None:
                raise PydanticCustomError("shipping_total", "needs total or fixed_rate")
            self.total = self.fixed_rate
        return self


class ShippingResponse(ContractModel):
    shipping_methods: list[ShippingMethod]


# -- 8. submit order (a placed order, sent by the delivery worker) --------------------------


class SubmitLine(ContractModel):
    line_number: int
    sku: str
    description: str | None = None
    uom: str | None = None
    quantity: Money
    unit_price: Money
    line_total: Money
    price_source: str = Field(
        description="Where the unit price came from: `erp` (your prices answer) or `catalog` "
        "(the store's catalog: no Prices URL, or your prices could not be asked)."
    )


class SubmitShipping(ContractModel):
    code: str | None = Field(default=None, description="The chosen method's code, as you sent it.")
    label: str
    amount: Money = Field(description="What the buyer pays for shipping, before tax.")
    source: str = Field(
        description="`erp` (your shipping methods) or `fallback` (the store's built-in methods "
        "while yours could not be asked)."
    )


class SubmitTax(ContractModel):
    amount: Money
    source: str = Field(description="`erp` (your taxes answer) or `fallback`.")
    estimated: bool = Field(
        description="True when your taxes endpoint could not be asked and the store's fallback "
        "rate was used: recalculate the tax before invoicing."
    )


class SubmitTotals(ContractModel):
    subtotal: Money
    shipping: Money
    tax: Money
    total: Money


class SubmitOrderRequest(_CustomerScoped):
    order_reference: str = Field(
        min_length=1,
        description="The store's order number, shown to the buyer; also sent as the "
        "Idempotency-Key header. The same reference twice is one order.",
    )
    po_number: str | None = None
    placed_at: dt.datetime = Field(description="When the buyer placed the order (UTC).")
    currency: str
    ship_to: Address
    lines: list[SubmitLine]
    shipping: SubmitShipping
    tax: SubmitTax
    totals: SubmitTotals
    notes: str | None = Field(default=None, description="The buyer's note to the order.")


class SubmittedOrder(ContractModel):
    order_id: str = Field(min_length=1, description="Your id of the order (the by-id key).")
    order_number: str | None = Field(
        default=None, description="The number the buyer sees; order_id when missing."
    )
    status: str | None = None

    @model_validator(mode="after")
    def _default_order_number(self) -> SubmittedOrder:
        if not self.order_number:
            self.order_number = self.order_id
        return self


class SubmitOrderResponse(ContractModel):
    data: SubmittedOrder


class RejectionReason(ContractModel):
    field: str | None = Field(
        default=None, description="Which part of the request, e.g. `lines[0].sku`."
    )
    message: str = Field(description="For the merchant's staff: what to fix.")
    buyer_message: str | None = Field(
        default=None,
        description="Written for the buyer, shown to them as is. Leave it out for anything "
        "internal (credit limits, account notes): the buyer then sees a calm sentence.",
    )


class SubmitOrderRejection(ContractModel):
    """The body of a 422: the ERP's rules refuse this order, for good."""

    errors: list[RejectionReason] = Field(min_length=1)


# -- 9. prices (the buyer's own prices, many SKUs per call) ---------------------------------

MAX_PRICE_LINES = 100  # SKUs per prices or inventory request; erpgate splits longer lists


class PriceLine(ContractModel):
    sku: str = Field(min_length=1)
    quantity: Money = Field(description="The quantity the price is for (1 on catalog pages).")


class PricesRequest(_CustomerScoped):
    currency: str = Field(description="The store's currency: answer prices in it.")
    ship_to: Address | None = None
    lines: list[PriceLine] = Field(min_length=1, max_length=MAX_PRICE_LINES)


class PriceBreak(ContractModel):
    min_quantity: Money
    unit_price: Money


class PriceRow(ContractModel):
    sku: str = Field(min_length=1)
    unit_price: Money = Field(
        description="What this customer pays per unit at the quantity asked; above zero."
    )
    currency: str = Field(description="Must be the currency asked.")
    list_price: Money | None = Field(
        default=None, description="The price before this customer's terms, shown struck out."
    )
    price_breaks: Annotated[list[PriceBreak], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list, description="Lower unit prices from a quantity on."
    )
    valid_until: ErpDate | None = None
    customer_code: str | None = Field(
        default=None, description="Optional; when given it must be the customer asked about."
    )


class PricesResponse(ContractModel):
    """One row per SKU you price; a SKU you do not price is left out (not an error)."""

    data: list[PriceRow]


# -- 10. inventory (stock per SKU, optionally per warehouse) --------------------------------


class InventoryRequest(_CustomerScoped):
    skus: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, max_length=MAX_PRICE_LINES
    )
    ship_to: Address | None = None


class WarehouseStock(ContractModel):
    code: str = Field(min_length=1)
    name: str | None = None
    available: Money


class StockRow(ContractModel):
    sku: str = Field(min_length=1)
    available: Money = Field(description="Units this customer can order now (all warehouses).")
    warehouses: Annotated[list[WarehouseStock], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list
    )
    next_available_date: ErpDate | None = Field(
        default=None, description="When more arrives, if you know."
    )
    backorderable: bool | None = Field(
        default=None, description="Whether it can be ordered while none is available."
    )
    customer_code: str | None = Field(
        default=None, description="Optional; when given it must be the customer asked about."
    )


class InventoryResponse(ContractModel):
    """One row per SKU you stock; a SKU you do not know is left out (not an error)."""

    data: list[StockRow]


REQUEST_MODELS: dict[Endpoint, type[WireRequest]] = {
    Endpoint.ORDERS: OrdersListRequest,
    Endpoint.ORDER: OrderRequest,
    Endpoint.INVOICES: InvoicesListRequest,
    Endpoint.INVOICE: InvoiceRequest,
    Endpoint.BALANCE: BalanceRequest,
    Endpoint.TAXES: TaxesRequest,
    Endpoint.SHIPPING: ShippingRequest,
    Endpoint.SUBMIT_ORDER: SubmitOrderRequest,
    Endpoint.PRICES: PricesRequest,
    Endpoint.INVENTORY: InventoryRequest,
}

RESPONSE_MODELS: dict[Endpoint, type[ContractModel]] = {
    Endpoint.ORDERS: OrdersListResponse,
    Endpoint.ORDER: OrderResponse,
    Endpoint.INVOICES: InvoicesListResponse,
    Endpoint.INVOICE: InvoiceResponse,
    Endpoint.BALANCE: BalanceResponse,
    Endpoint.TAXES: TaxesResponse,
    Endpoint.SHIPPING: ShippingResponse,
    Endpoint.SUBMIT_ORDER: SubmitOrderResponse,
    Endpoint.PRICES: PricesResponse,
    Endpoint.INVENTORY: InventoryResponse,
}
