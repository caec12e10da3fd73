"""Checkout JSON API: catalog, quote (for storefronts keeping their own cart) and placing orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, TypeAdapter

from erpgate.auth.service import CSRF_HEADER
from erpgate.checkout import catalog as catalog_service
from erpgate.checkout import placed
from erpgate.checkout import service as checkout_service
from erpgate.checkout.schemas import (
    PlacedOrderOut,
    PlaceOrderIn,
    QuoteIn,
    QuoteLineOut,
    QuoteOut,
    ShippingOptionOut,
)
from erpgate.delivery.lifecycle import delivery_worker
from erpgate.errors import Forbidden, NotFound
from erpgate.pricing.lifecycle import live_prices
from erpgate.storefront.api import ERRORS
from erpgate.storefront.deps import ApiBuyer, check_csrf
from erpgate.storefront.service import parse_local_order_id
from erpgate.web.db import DbSession
from erpgate.web.responses import JsonResponse
from erpgate.web.state import get_state

router = APIRouter(prefix="/api/v1/storefront", tags=["storefront"])


class PriceBreakOut(BaseModel):
    min_quantity: Decimal
    unit_price: Decimal


class WarehouseOut(BaseModel):
    code: str
    name: str | None
    available: Decimal


class ProductOut(BaseModel):
    sku: str
    name: str
    uom: str
    unit_price: str = Field(description="The catalog price")
    price: Decimal = Field(description="What this buyer pays for one unit")
    price_source: str = Field(
        description="erp: the buyer's own price from the ERP; catalog: the catalog price (no "
        "Prices URL, the ERP does not price this SKU, or it could not be asked)"
    )
    list_price: Decimal | None = Field(description="The ERP's price before the buyer's terms")
    price_breaks: list[PriceBreakOut]
    available: Decimal | None = Field(
        description="Units available to this buyer; null when not known (no Inventory URL, "
        "the ERP does not stock this SKU, or it could not be asked)"
    )
    warehouses: list[WarehouseOut]
    next_available_date: dt.date | None
    backorderable: bool | None


def product_out(item: catalog_service.CatalogItem) -> ProductOut:
    stock = item.stock
    return ProductOut(
        sku=item.sku,
        name=item.name,
        uom=item.uom,
        unit_price=str(item.catalog_price),
        price=item.price,
        price_source=item.price_source,
        list_price=item.list_price,
        price_breaks=[PriceBreakOut.model_validate(b, from_attributes=True) for b in item.breaks],
        available=stock.available if stock else None,
        warehouses=[
            WarehouseOut.model_validate(w, from_attributes=True)
            for w in (stock.warehouses if stock else [])
        ],
        next_available_date=stock.next_available_date if stock else None,
        backorderable=stock.backorderable if stock else None,
    )


PRODUCTS = TypeAdapter(list[ProductOut])  # the catalog page serialized once, straight to JSON


def _lines(body: QuoteIn) -> list[dict[str, Any]]:
    return [{"sku": line.sku, "quantity": line.quantity} for line in body.lines]


def _address(body: QuoteIn) -> dict[str, Any]:
    return {k: v for k, v in body.ship_to.model_dump().items() if v}


@router.get("/catalog", response_model=list[ProductOut], responses=ERRORS)
async def list_catalog(
    request: Request,
    db: DbSession,
    buyer: ApiBuyer,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=catalog_service.MAX_PAGE_SIZE)] = 100,
) -> Response:
    """A page of the store's products (by SKU) at this buyer's prices, with stock when the store
    has the ERP's Prices and Inventory URLs. `X-Total-Count` holds the number of products."""
    buyer.require("checkout")
    listing = await catalog_service.catalog_page(
        db,
        live_prices(get_state(request)),
        buyer.integration,
        buyer.checkout_buyer().price_asker,
        page=page,
        page_size=page_size,
    )
    headers = {"X-Total-Count": str(listing.total)}
    for name, reference in listing.offers.references.items():
        headers[f"X-Erp-Reference-{name.capitalize()}"] = reference
    body = PRODUCTS.dump_json([product_out(item) for item in listing.items])
    return Response(body, media_type="application/json", headers=headers)


def quote_out(quote: checkout_service.Quote) -> QuoteOut:
    return QuoteOut(
        currency=quote.currency,
        lines=[QuoteLineOut.model_validate(line, from_attributes=True) for line in quote.lines],
        subtotal=quote.subtotal,
        shipping_methods=[
            ShippingOptionOut.model_validate(m, from_attributes=True)
            for m in quote.shipping_methods
        ],
        shipping_source=quote.shipping_source,
        shipping_code=quote.shipping_code,
        shipping_total=quote.shipping_total,
        tax_total=quote.tax_total,
        tax_source=quote.tax_source,
        tax_estimated=quote.tax_estimated,
        tax_blocked=quote.tax_blocked,
        total=quote.total,
        references=quote.references,
        prices_as_of=quote.offers.prices_as_of,
    )


@router.post("/checkout/quote", response_model=QuoteOut, responses=ERRORS)
async def checkout_quote(
    body: QuoteIn, request: Request, db: DbSession, buyer: ApiBuyer
) -> JsonResponse:
    """Lines + ship-to → shipping methods, tax, totals, and where each came from (erp|fallback)."""
    buyer.require("checkout")
    quote = await checkout_service.quote(
        get_state(request).gateway,
        db,
        buyer.integration,
        buyer.checkout_buyer(),
        _lines(body),
        _address(body),
        body.shipping_code,
        live_prices=live_prices(get_state(request)),
    )
    return JsonResponse(quote_out(quote).model_dump(mode="json"))


@router.post("/checkout/orders", response_model=PlacedOrderOut, status_code=201, responses=ERRORS)
async def place_order(
    body: PlaceOrderIn, request: Request, db: DbSession, buyer: ApiBuyer
) -> JsonResponse:
    """Place an order (prices, shipping and tax quoted again on the server); X-CSRF-Token with a
    cookie session."""
    buyer.require("checkout")
    check_csrf(buyer, request.headers.get(CSRF_HEADER))
    state = get_state(request)
    worker = delivery_worker(state)
    order, lines, delivery = await checkout_service.place_order(
        state.gateway,
        state.clock,
        db,
        buyer.integration,
        buyer.checkout_buyer(),
        _lines(body),
        _address(body),
        body.shipping_code,
        body.po_number,
        body.notes,
        wake_delivery=worker.wake if worker else None,
        live_prices=live_prices(state),
        expected_prices=body.expected_prices,
    )
    out = placed_out(checkout_service.PlacedOrder(order, lines, delivery))
    return JsonResponse(out.model_dump(mode="json"), status_code=201)


@router.get("/checkout/orders/{order_id}", response_model=PlacedOrderOut, responses=ERRORS)
async def get_placed_order(db: DbSession, buyer: ApiBuyer, order_id: str) -> JsonResponse:
    """One order placed in this store, with where its delivery to the ERP stands."""
    if not (buyer.may("checkout") or buyer.may("orders")):
        raise Forbidden("Your account does not have access to orders.")
    found = await checkout_service.get_local_order(
        db, buyer.store.id, buyer.account.id, parse_local_order_id(order_id)
    )
    if found is None:
        raise NotFound("We could not find that order in your account.")
    return JsonResponse(placed_out(found).model_dump(mode="json"))


def placed_out(placed_order: checkout_service.PlacedOrder) -> PlacedOrderOut:
    order, lines = placed_order.order, placed_order.lines
    return PlacedOrderOut(
        id=str(order.id),
        number=order.number,
        placed_at=order.placed_at,
        po_number=order.po_number,
        notes=order.notes,
        currency=order.currency,
        subtotal=order.subtotal,
        shipping_label=order.shipping_label,
        shipping_total=order.shipping_total,
        shipping_source=order.shipping_source,
        tax_total=order.tax_total,
        tax_source=order.tax_source,
        tax_estimated=order.tax_estimated,
        total=order.total,
        lines=[QuoteLineOut.model_validate(line, from_attributes=True) for line in lines],
        delivery=placed.delivery_out(placed_order.delivery),
    )
