"""The ERP contract, version 1: pydantic models for every request we send and every answer we read.

Reading is tolerant (unknown fields ignored, optional fields missing or null, money as string or
number); writing is exact (``to_wire`` produces the contract's JSON, money as decimal strings).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from erpgate.erp.endpoints import Endpoint
from erpgate.kit.money import MoneyError, parse_money


def _parse_money(value: object) -> Decimal:
    try:
        return parse_money(value)
    except MoneyError as exc:
        # A custom error keeps the message exactly "is not a number" (no "Value error, " prefix).
        raise PydanticCustomError("money", str(exc)) from exc


def decimal_text(value: Decimal) -> str:
    """A decimal as the contract writes it: plain notation, never an exponent ("1E+2")."""
    return format(value, "f")


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            # A date-time keeps the calendar date it names in its own offset, not the UTC one.
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise PydanticCustomError("erp_date", "is not a date")


def _none_as_empty_list(value: object) -> object:
    return [] if value is None else value


Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, {"type": "number"}],
            "description": "A decimal as a JSON string (preferred) or number; no thousands "
            "separators.",
            "examples": ["1523.40"],
        }
    ),
]
"""A decimal amount or quantity: JSON string or number in, exact ``Decimal`` inside."""

ErpDate = Annotated[
    dt.date,
    BeforeValidator(_parse_date),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ],
            "description": "ISO 8601 date, or date-time with offset (its date is used).",
            "examples": ["2026-10-02"],
        }
    ),
]
"""An ISO 8601 date, or a date-time with offset of which only the date is kept."""


class ContractModel(BaseModel):
    """Base of every contract shape: tolerant of unknown fields and of numbers where text is due."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class WireRequest(ContractModel):
    """A request we send; ``to_wire`` is its exact JSON body."""

    # Taxes requests leave unset extras out, as the contract's example does; the others keep nulls.
    _wire_exclude_none: ClassVar[bool] = False

    def to_wire(self) -> dict[str, Any]:
        """The JSON body exactly as the contract shows it."""
        return self.model_dump(mode="json", exclude_none=self._wire_exclude_none)

    def wire_json(self) -> bytes:
        """``to_wire`` encoded: the bytes that go on the wire, produced in one step."""
        return self.__pydantic_serializer__.to_json(self, exclude_none=self._wire_exclude_none)


# -- shared shapes ---------------------------------------------------------------------------


class Address(ContractModel):
    name: str | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


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


class PageMeta(ContractModel):
    page: int | None = None
    page_size: int | None = None
    total: int | None = None
    has_more: bool | None = None


class _CustomerScoped(WireRequest):
    customer_code: str = Field(min_length=1)
    seller_reference: str | None = None


class _ListRequest(_CustomerScoped):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1)
    search: str | None = None
    status: str | None = None
    date_from: ErpDate | None = None
    date_to: ErpDate | None = None


# -- 1. orders list and 2. order by id -------------------------------------------------------


class OrdersListRequest(_ListRequest):
    pass


class OrderSummary(ContractModel):
    order_id: str
    order_number: str | None = None
    date: ErpDate
    status: str | None = None
    po_number: str | None = None
    currency: str | None = None
    total: Money
    ship_to_name: str | None = None
    # Not required by the contract; when present the cross-customer guard checks it.
    customer_code: str | None = None

    @model_validator(mode="after")
    def _default_order_number(self) -> OrderSummary:
        if not self.order_number:
            self.order_number = self.order_id
        return self


class OrdersListResponse(ContractModel):
    data: list[OrderSummary]
    meta: PageMeta | None = None


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
    shipments: Annotated[list[Shipment], BeforeValidator(_none_as_empty_list)] = Field(
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
    status: str | None = None
    order_id: str | None = None
    po_number: str | None = None
    currency: str | None = None
    total: Money
    balance: Money
    customer_code: str | None = None

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
    data: list[InvoiceSummary]
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
    lines: Annotated[list[Line], BeforeValidator(_none_as_empty_list)] = Field(default_factory=list)
    subtotal: Money | None = None
    tax_total: Money | None = None
    shipping_total: Money | None = None
    terms: str | None = None
    payments: Annotated[list[Payment], BeforeValidator(_none_as_empty_list)] = Field(
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
    aging: Annotated[list[AgingBucket], BeforeValidator(_none_as_empty_list)] = Field(
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


REQUEST_MODELS: dict[Endpoint, type[WireRequest]] = {
    Endpoint.ORDERS: OrdersListRequest,
    Endpoint.ORDER: OrderRequest,
    Endpoint.INVOICES: InvoicesListRequest,
    Endpoint.INVOICE: InvoiceRequest,
    Endpoint.BALANCE: BalanceRequest,
    Endpoint.TAXES: TaxesRequest,
    Endpoint.SHIPPING: ShippingRequest,
}

RESPONSE_MODELS: dict[Endpoint, type[ContractModel]] = {
    Endpoint.ORDERS: OrdersListResponse,
    Endpoint.ORDER: OrderResponse,
    Endpoint.INVOICES: InvoicesListResponse,
    Endpoint.INVOICE: InvoiceResponse,
    Endpoint.BALANCE: BalanceResponse,
    Endpoint.TAXES: TaxesResponse,
    Endpoint.SHIPPING: ShippingResponse,
}
