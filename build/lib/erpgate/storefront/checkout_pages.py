"""Checkout pages: catalog and product pages, cart, ship-to, live shipping and tax, place order,
placed order. Prices are the buyer's own from the ERP where the store has a Prices URL."""

from __future__ import annotations

import uuid
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.checkout import cart as cart_service
from erpgate.checkout import catalog as catalog_service
from erpgate.checkout import service as checkout_service
from erpgate.checkout.schemas import NOTES_MAX
from erpgate.customer import addresses
from erpgate.delivery import service as delivery_service
from erpgate.delivery.lifecycle import delivery_worker
from erpgate.errors import ErpUnavailable, Forbidden, NotFound, ValidationFailed
from erpgate.pricing.lifecycle import live_prices
from erpgate.pricing.service import Offers
from erpgate.storefront.buyers import Buyer
from erpgate.storefront.deps import PageBuyer, check_csrf
from erpgate.storefront.pages import page_context
from erpgate.storefront.service import parse_local_order_id
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter(include_in_schema=False)

ADDRESS_FIELDS = ("name", "address1", "address2", "city", "state", "zip", "country")
Field = Annotated[str, Form(max_length=200)]


def _back(buyer: Buyer, path: str) -> RedirectResponse:
    return RedirectResponse(f"/store/{buyer.store.slug}/{path}", status_code=303)


async def _cart_page(
    request: Request, db: DbSession, buyer: Buyer, error: str | None = None, status: int = 200
) -> Response:
    cart = await cart_service.get_cart(db, buyer.store.id, buyer.user.id)
    lines: list[checkout_service.PricedLine] = []
    offers = Offers()
    if cart.lines:
        lines, offers = await checkout_service.priced_cart(
            db,
            live_prices(get_state(request)),
            buyer.integration,
            buyer.checkout_buyer(),
            cart.lines,
        )
    subtotal = sum((line.line_total for line in lines), start=0)
    flashes = [("error", error)] if error else []
    context = page_context(
        request, buyer, lines=lines, offers=offers, subtotal=subtotal, flashes=flashes
    )
    return render(request, "checkout/cart.html", context, status_code=status)


@router.get("/store/{slug}/catalog")
async def catalog(request: Request, db: DbSession, buyer: PageBuyer, page: str = "1") -> Response:
    buyer.require("checkout")
    number = int(page) if page.isdigit() and 0 < len(page) < 7 and int(page) > 0 else 1
    listing = await catalog_service.catalog_page(
        db,
        live_prices(get_state(request)),
        buyer.integration,
        buyer.checkout_buyer().price_asker,
        page=number,
    )
    added = request.query_params.get("added")
    flashes = [("ok", f"Added {added} to your cart.")] if added else []
    context = page_context(request, buyer, catalog=listing, flashes=flashes)
    return render(request, "checkout/catalog.html", context)


@router.get("/store/{slug}/catalog/{sku}")
async def product(request: Request, db: DbSession, buyer: PageBuyer, sku: str) -> Response:
    """One product: the buyer's price, quantity prices and stock per warehouse."""
    buyer.require("checkout")
    found = await catalog_service.product_offer(
        db,
        live_prices(get_state(request)),
        buyer.integration,
        buyer.checkout_buyer().price_asker,
        sku,
    )
    if found is None:
        raise NotFound("We could not find that product in the catalog.")
    return render(request, "checkout/product.html", page_context(request, buyer, catalog=found))


@router.post("/store/{slug}/cart/add")
async def cart_add(
    request: Request,
    db: DbSession,
    buyer: PageBuyer,
    sku: Annotated[str, Form(max_length=64)] = "",
    quantity: Annotated[str, Form(max_length=20)] = "1",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    buyer.require("checkout")
    check_csrf(buyer, csrf_token)
    try:
        await cart_service.add_to_cart(db, buyer.store.id, buyer.user.id, sku, quantity)
    except ValidationFailed as exc:
        return await _cart_page(request, db, buyer, exc.message, 422)
    return RedirectResponse(
        f"/store/{buyer.store.slug}/catalog?added={sku.strip()}", status_code=303
    )


@router.get("/store/{slug}/cart")
async def cart(request: Request, db: DbSession, buyer: PageBuyer) -> Response:
    buyer.require("checkout")
    return await _cart_page(request, db, buyer)


@router.post("/store/{slug}/cart/update")
async def cart_update(
    request: Request,
    db: DbSession,
    buyer: PageBuyer,
    sku: Annotated[str, Form(max_length=64)] = "",
    quantity: Annotated[str, Form(max_length=20)] = "",
    remove: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    buyer.require("checkout")
    check_csrf(buyer, csrf_token)
    try:
        if remove:
            await cart_service.remove_line(db, buyer.store.id, buyer.user.id, sku)
        else:
            await cart_service.set_quantity(db, buyer.store.id, buyer.user.id, sku, quantity)
    except ValidationFailed as exc:
        return await _cart_page(request, db, buyer, exc.message, 422)
    return _back(buyer, "cart")


async def _checkout_page(
    request: Request,
    db: DbSession,
    buyer: Buyer,
    *,
    shipping_code: str | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
    place_form: dict[str, str] | None = None,
    place_errors: dict[str, str] | None = None,
) -> Response:
    state = get_state(request)
    cart = await cart_service.get_cart(db, buyer.store.id, buyer.user.id)
    ship_to: dict[str, Any] = dict(cart.ship_to or {})
    quote = None
    address_errors = errors if errors is not None else checkout_service.check_ship_to(ship_to)
    if not cart.lines:
        error = error or "Your cart is empty."
    elif not address_errors:
        try:
            quote = await checkout_service.quote(
                state.gateway,
                db,
                buyer.integration,
                buyer.checkout_buyer(),
                cart.lines,
                ship_to,
                shipping_code,
                live_prices=live_prices(state),
            )
        except ValidationFailed as exc:
            error = exc.message
    saved = await addresses.list_addresses(db, buyer.store.id, buyer.account.id)
    context = page_context(
        request,
        buyer,
        ship_to=ship_to,
        saved_addresses=saved,
        quote=quote,
        shown_prices=_prices_json(quote),
        address_errors=address_errors if ship_to or errors is not None else {},
        flashes=[("error", error)] if error else [],
        cart_empty=not cart.lines,
        # What the buyer typed into the place-order form, kept when it comes back with an error.
        place_form=place_form or {},
        place_errors=place_errors or {},
        notes_max=NOTES_MAX,
    )
    return render(request, "checkout/checkout.html", context, status_code=status)


@router.get("/store/{slug}/checkout")
async def checkout(
    request: Request, db: DbSession, buyer: PageBuyer, shipping: str | None = None
) -> Response:
    buyer.require("checkout")
    return await _checkout_page(request, db, buyer, shipping_code=shipping)


@router.post("/store/{slug}/checkout/address")
async def checkout_address(
    request: Request,
    db: DbSession,
    buyer: PageBuyer,
    name: Field = "",
    address1: Field = "",
    address2: Field = "",
    city: Field = "",
    state: Field = "",
    zip: Field = "",
    country: Field = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    buyer.require("checkout")
    check_csrf(buyer, csrf_token)
    values = {"name": name, "address1": address1, "address2": address2, "city": city}
    values |= {"state": state, "zip": zip, "country": country.strip().upper()}
    ship_to = {k: v.strip() for k, v in values.items() if v.strip()}
    await cart_service.set_ship_to(db, buyer.store.id, buyer.user.id, ship_to)
    errors = checkout_service.check_ship_to(ship_to)
    if errors:
        return await _checkout_page(request, db, buyer, errors=errors, status=422)
    return _back(buyer, "checkout")


@router.post("/store/{slug}/checkout/saved-address")
async def checkout_saved_address(
    request: Request,
    db: DbSession,
    buyer: PageBuyer,
    address_id: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Ship to one of the account's saved addresses: its fields fill the ship-to."""
    buyer.require("checkout")
    check_csrf(buyer, csrf_token)
    address = None
    with suppress(ValueError):
        chosen = uuid.UUID(address_id)
        # Looked up within the buyer's own account: another account's id is simply not found.
        address = await addresses.find_address(db, buyer.store.id, buyer.account.id, chosen)
    if address is None:
        return await _checkout_page(
            request, db, buyer, error="Choose one of your account's addresses.", status=422
        )
    await cart_service.set_ship_to(db, buyer.store.id, buyer.user.id, address.ship_to())
    return _back(buyer, "checkout")


@router.post("/store/{slug}/checkout/place")
async def checkout_place(
    request: Request,
    db: DbSession,
    buyer: PageBuyer,
    shipping_code: Annotated[str, Form(max_length=200)] = "",
    po_number: Annotated[str, Form(max_length=64)] = "",
    # Not bounded here: too long is a field error on the page, with the cart and the text kept
    # (the request guard bounds the body).
    notes: Annotated[str, Form()] = "",
    # The unit prices the page showed, as JSON {sku: price}: an order is never placed at a
    # price the buyer did not see.
    shown_prices: Annotated[str, Form(max_length=20_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    buyer.require("checkout")
    check_csrf(buyer, csrf_token)
    # Browsers send a textarea's line breaks as CRLF; its maxlength counts each as one.
    notes = notes.replace("\r\n", "\n")
    typed = {"po_number": po_number, "notes": notes}
    if len(notes.strip()) > NOTES_MAX:
        return await _checkout_page(
            request,
            db,
            buyer,
            shipping_code=shipping_code or None,
            error="The order was not placed: please shorten your notes.",
            status=422,
            place_form=typed,
            place_errors={"notes": f"Notes can be at most {NOTES_MAX:,} characters."},
        )
    expected_prices = _shown_prices(shown_prices)
    if expected_prices is None:
        return await _checkout_page(
            request,
            db,
            buyer,
            shipping_code=shipping_code or None,
            error="The order was not placed: check the prices and totals, then place it again.",
            status=409,
            place_form=typed,
        )
    cart = await cart_service.get_cart(db, buyer.store.id, buyer.user.id)
    try:
        state = get_state(request)
        worker = delivery_worker(state)
        order, _lines, _delivery = await checkout_service.place_order(
            state.gateway,
            state.clock,
            db,
            buyer.integration,
            buyer.checkout_buyer(),
            cart.lines,
            dict(cart.ship_to or {}),
            shipping_code,
            po_number,
            notes,
            wake_delivery=worker.wake if worker else None,
            live_prices=live_prices(state),
            expected_prices=expected_prices,
        )
    except (checkout_service.PricesChanged, ValidationFailed) as exc:
        # The page again, at today's prices and with what was typed: 409 when a price moved.
        return await _checkout_page(
            request,
            db,
            buyer,
            shipping_code=shipping_code or None,
            error=exc.message,
            status=exc.status_code,
            place_form=typed,
        )
    except ErpUnavailable as exc:
        message = (
            "Tax cannot be calculated right now, so the order cannot be placed yet. "
            f"Your cart is kept. Reference code: {exc.reference}"
        )
        return await _checkout_page(request, db, buyer, error=message, status=503, place_form=typed)
    await cart_service.empty_cart(db, buyer.store.id, buyer.user.id)
    # The thank-you shows on this first view only, not each time the order is looked up again.
    return _back(buyer, f"orders/placed/{order.id}?placed=1")


def _prices_json(quote: checkout_service.Quote | None) -> str:
    if quote is None:
        return ""
    return orjson.dumps({line.sku: str(line.unit_price) for line in quote.lines}).decode()


def _shown_prices(value: str) -> dict[str, Decimal] | None:
    """The page's {sku: price} ({} when the form has none); None when it cannot be read."""
    if not value:
        return {}
    try:
        raw = orjson.loads(value)
        if isinstance(raw, dict):
            return {str(sku): Decimal(str(price)) for sku, price in raw.items()}
    except (orjson.JSONDecodeError, InvalidOperation):
        pass
    return None


@router.get("/store/{slug}/orders/placed/{order_id}")
async def placed_order(
    request: Request, db: DbSession, buyer: PageBuyer, order_id: str
) -> Response:
    if not (buyer.may("checkout") or buyer.may("orders")):
        raise Forbidden("Your account does not have access to orders.")
    found = await checkout_service.get_local_order(
        db, buyer.store.id, buyer.account.id, parse_local_order_id(order_id)
    )
    if found is None:
        raise NotFound("We could not find that order in your account.")
    context = page_context(
        request,
        buyer,
        order=found.order,
        lines=found.lines,
        delivery=delivery_service.for_buyer(found.delivery),
        just_placed=request.query_params.get("placed") == "1",
    )
    return render(request, "checkout/placed.html", context)
