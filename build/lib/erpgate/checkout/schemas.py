"""Checkout in and out shapes for the JSON API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from erpgate.erp.contract import OrderSummary


class ShipTo(BaseModel):
    """A ship-to address; address1, city, zip and country are required to quote."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, max_length=200)
    address1: str | None = Field(default=None, max_length=200)
    address2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    zip: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166 alpha-2")


NOTES_MAX = 1000


class QuoteLineIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    quantity: str | int = Field(description="A whole number from 1 to 99,999")


class QuoteIn(BaseModel):
    lines: list[QuoteLineIn] = Field(max_length=200)
    ship_to: ShipTo
    shipping_code: str | None = Field(default=None, max_length=200)


class PlaceOrderIn(QuoteIn):
    shipping_code: str = Field(min_length=1, max_length=200)
    po_number: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description="For the store")
    expected_prices: dict[str, Decimal] | None = Field(
        default=None,
        max_length=200,
        description="SKU → the unit price the buyer was shown (from the quote). When a price "
        "moved since, the order is refused with 409 `prices_changed` and the changes, so the "
        "buyer sees the new prices before placing.",
    )


class QuoteLineOut(BaseModel):
    sku: str
    name: str
    uom: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal
    price_source: str = Field(
        default="catalog",
        description="erp: the buyer's own price from the ERP; catalog: the store's catalog price",
    )


class ShippingOptionOut(BaseModel):
    code: str
    label: str
    total: Decimal
    carrier: str | None = None
    estimated_days: int | None = None


class QuoteOut(BaseModel):
    currency: str
    lines: list[QuoteLineOut]
    subtotal: Decimal
    shipping_methods: list[ShippingOptionOut]
    shipping_source: str = Field(description="erp or fallback")
    shipping_code: str | None
    shipping_total: Decimal | None
    tax_total: Decimal | None = Field(description="null when tax cannot be calculated (block)")
    tax_source: str = Field(description="erp or fallback")
    tax_estimated: bool
    tax_blocked: bool
    total: Decimal | None
    references: dict[str, str] = Field(
        description="Reference codes of ERP calls that failed and fell back, by endpoint"
    )
    prices_as_of: dt.datetime | None = Field(
        default=None,
        description="Set when the ERP's prices could not be asked and prices it gave earlier "
        "were used: when they were given",
    )


DeliveryState = Literal["local", "queued", "sent", "rejected", "failed", "cancelled"]


class DeliveryOut(BaseModel):
    """Where the order stands with the ERP."""

    state: DeliveryState = Field(
        description="local: no Submit Order URL, the order stays in this store; queued: being "
        "sent (tried again until the ERP answers); sent: the ERP has it; rejected: the ERP's "
        "rules refused it; failed: not accepted within the store's retry window; cancelled: "
        "withdrawn by the store"
    )
    erp_order_id: str | None = Field(description="The ERP's id once sent")
    erp_order_number: str | None = Field(description="The ERP's order number once sent")
    attempts: int
    last_error: str | None = Field(
        description="A sentence for the buyer when the order is not (yet) in the ERP"
    )
    buyer_messages: list[str] = Field(
        description="Rejected: the ERP's reasons written for the buyer, when it gave any"
    )


class PlacedSummary(OrderSummary):
    """A row of the orders list for an order placed in this store, with its delivery."""

    delivery: DeliveryOut


class PlacedOrderOut(BaseModel):
    id: str
    number: str
    placed_at: dt.datetime
    po_number: str | None
    notes: str | None
    currency: str
    subtotal: Decimal
    shipping_label: str
    shipping_total: Decimal
    shipping_source: str
    tax_total: Decimal
    tax_source: str
    tax_estimated: bool
    total: Decimal
    lines: list[QuoteLineOut]
    delivery: DeliveryOut
