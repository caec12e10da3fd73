"""Checkout JSON API: catalog, quote (for storefronts keeping their own cart) and placing orders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

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
from erpgate.storefront.api import ERRORS
from erpgate.storefront.deps import ApiBuyer, check_csrf
from erpgate.storefront.service import parse_local_order_id
from erpgate.web.db import DbSession
from erpgate.web.responses import JsonResponse
from erpgate.web.state import get_state

router = APIRouter(prefix="/api/v1/storefront", tags=["storefront"])


class ProductOut(BaseModel):
    sku: str
    name: str
    unit_price: str
    uom: str


def _lines(body: QuoteIn) -> list[dict[str, Any]]:
    return [{"sku": line.sku, "quantity": line.quantity} for line in body.lines]


def _address(body: QuoteIn) -> dict[str, Any]:
    return {k: v for k, v in body.ship_to.model_dump().items() if v}


@router.get("/catalog", response_model=list[ProductOut], responses=ERRORS)
async def list_catalog(db: DbSession, buyer: ApiBuyer) -> JsonResponse:
    """The store's products: sku, name, unit price and unit of measure."""
    buyer.require("checkout")
    products = await catalog_service.list_products(db, buyer.store.id)
    return JsonResponse(
        [
            {"sku": p.sku, "name": p.name, "unit_price": str(p.unit_price), "uom": p.uom}
            for p in products
        ]
    )


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
