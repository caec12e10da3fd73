"""Checkout rules: price lines, ask the ERP for shipping and tax, place orders.

Lines are priced from the catalog, then with the buyer's own prices from the ERP when the store
has a Prices URL (``pricing``); each line records which (``price_source`` erp | catalog). The ERP
is asked for shipping next, then for taxes with the chosen method's amount
(``shipping_amount``: freight is taxable in many places). When it fails, shipping falls back to
the store's built-in methods and tax follows the store's policy: ``estimate`` (fallback rate,
order flagged) or ``block`` (no order until tax is known).
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import placed, repository
from erpgate.checkout.cart import parse_quantity
from erpgate.checkout.catalog import shown_price
from erpgate.db.engine import after_commit, release_connection
from erpgate.delivery import service as delivery_service
from erpgate.erp.contract import (
    Address,
    ShippingItem,
    ShippingRequest,
    ShippingResponse,
    TaxesRequest,
    TaxesResponse,
    TaxHeader,
    TaxLine,
    TaxRequestBody,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, ErpCall
from erpgate.errors import Conflict, ErpUnavailable, ValidationFailed
from erpgate.integration.service import LiveIntegration
from erpgate.kit.clock import Clock
from erpgate.kit.money import quantize
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.local_order import LocalOrder
from erpgate.models.local_order_line import LocalOrderLine
from erpgate.models.order_delivery import OrderDelivery
from erpgate.models.store import Store
from erpgate.pricing.service import LivePrices, Offers, PriceAsker, Wanted

REQUIRED_ADDRESS_FIELDS = {
    "address1": "Street address",
    "city": "City",
    "zip": "Postcode",
    "country": "Country",
}


@dataclass(frozen=True, slots=True)
class CheckoutBuyer:
    """Who checks out: the store, the buyer's own customer account and the actor for events."""

    store: Store
    account: CustomerAccount
    actor: Actor

    @property
    def price_asker(self) -> PriceAsker:
        return PriceAsker(
            store_id=self.store.id,
            currency=self.store.currency,
            customer_code=self.account.customer_code,
            seller_reference=self.account.seller_reference,
            actor=self.actor,
        )


@dataclass(frozen=True, slots=True)
class PricedLine:
    sku: str
    name: str
    uom: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal
    price_source: str = "catalog"  # erp: the buyer's own price from the ERP


class PricesChanged(Conflict):
    """The prices the buyer saw are not the prices now: show the new ones before placing."""

    code = "prices_changed"

    def __init__(self, changes: list[tuple[str, Decimal, Decimal]]) -> None:
        shown = ", ".join(f"{sku} {was} → {now}" for sku, was, now in changes[:5])
        more = f" (and {len(changes) - 5} more)" if len(changes) > 5 else ""
        super().__init__(
            f"Prices changed since you looked: {shown}{more}. Check the new totals and place "
            "the order again.",
            extra={
                "changes": [
                    {"sku": sku, "was": str(was), "now": str(now)} for sku, was, now in changes
                ]
            },
        )


@dataclass(frozen=True, slots=True)
class ShippingOption:
    code: str
    label: str
    total: Decimal
    carrier: str | None = None
    estimated_days: int | None = None


@dataclass
class Quote:
    currency: str
    lines: list[PricedLine]
    subtotal: Decimal
    shipping_methods: list[ShippingOption]
    shipping_source: str
    shipping_code: str | None
    shipping_total: Decimal | None
    tax_total: Decimal | None
    tax_source: str
    tax_estimated: bool
    tax_blocked: bool
    references: dict[str, str] = field(default_factory=dict)
    offers: Offers = field(default_factory=Offers)  # live prices and stock, when the store has them

    @property
    def total(self) -> Decimal | None:
        if self.tax_total is None or self.shipping_total is None:
            return None
        return quantize(self.subtotal + self.shipping_total + self.tax_total)

    @property
    def can_place(self) -> bool:
        return bool(self.lines) and not self.tax_blocked and self.shipping_total is not None


def check_ship_to(ship_to: dict[str, Any]) -> dict[str, str]:
    """Field errors of a ship-to address (empty when it can be quoted)."""
    errors = {
        name: f"{label} is required."
        for name, label in REQUIRED_ADDRESS_FIELDS.items()
        if not str(ship_to.get(name) or "").strip()
    }
    country = str(ship_to.get("country") or "").strip()
    if country and (len(country) != 2 or not country.isalpha()):
        errors["country"] = "Country is a two-letter code such as US."
    return errors


async def price_lines(
    db: AsyncSession, store_id: uuid.UUID, raw_lines: list[dict[str, Any]]
) -> list[PricedLine]:
    """Catalog prices for the requested lines; unknown skus and bad quantities are refused."""
    if not raw_lines:
        raise ValidationFailed("The cart is empty.", fields={"lines": "empty"})
    # PostgreSQL refuses a NUL character in text (that was a 500); no catalog SKU holds one, so
    # such a SKU is simply not asked for and is refused below as unknown.
    wanted = (sku for raw in raw_lines if "\x00" not in (sku := str(raw["sku"])))
    products = await repository.products_by_sku(db, store_id, wanted)
    priced: list[PricedLine] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_lines):
        sku = str(raw["sku"]).strip()
        quantity = parse_quantity(raw["quantity"], f"lines.{index}.quantity")
        product = products.get(sku)
        if product is None:
            raise ValidationFailed(
                f"Product {sku} is not in the catalog.", fields={f"lines.{index}.sku": "unknown"}
            )
        if sku in seen:
            raise ValidationFailed(
                f"Product {sku} appears twice.", fields={f"lines.{index}.sku": "duplicate"}
            )
        seen.add(sku)
        price = shown_price(product.unit_price)
        priced.append(
            PricedLine(
                sku=sku,
                name=product.name,
                uom=product.uom,
                quantity=quantity,
                unit_price=price,
                line_total=quantize(quantity * price),
            )
        )
    return priced


def with_live_prices(lines: list[PricedLine], offers: Offers) -> list[PricedLine]:
    """Each line at the buyer's own price where the ERP gave one (for the line's quantity)."""
    priced = []
    for line in lines:
        row = offers.price(line.sku, line.quantity)
        if row is None:
            priced.append(line)
            continue
        priced.append(
            dataclasses.replace(
                line,
                unit_price=row.unit_price,
                line_total=quantize(line.quantity * row.unit_price),
                price_source="erp",
            )
        )
    return priced


async def priced_cart(
    db: AsyncSession,
    live_prices: LivePrices | None,
    integration: LiveIntegration,
    buyer: CheckoutBuyer,
    raw_lines: list[dict[str, Any]],
) -> tuple[list[PricedLine], Offers]:
    """The lines at the buyer's prices, and the ERP's prices and stock behind them.

    The catalog is read first; the pooled connection then goes back before any ERP call, so a
    slow ERP can never hold the pool (this ends the request's transaction: what it wrote is
    committed)."""
    lines = await price_lines(db, buyer.store.id, raw_lines)
    await release_connection(db)
    if live_prices is None:
        return lines, Offers()
    wanted = [Wanted(line.sku, line.quantity) for line in lines]
    offers = await live_prices.offers(integration, buyer.price_asker, wanted)
    return with_live_prices(lines, offers), offers


def _builtin_methods(store: Store) -> list[ShippingOption]:
    return [
        ShippingOption(
            code=str(m.get("code") or m["label"]), label=str(m["label"]), total=Decimal(m["total"])
        )
        for m in store.builtin_shipping_methods
    ]


async def _erp_shipping(
    gateway: ErpGateway,
    integration: LiveIntegration,
    buyer: CheckoutBuyer,
    lines: list[PricedLine],
    ship_to: dict[str, Any],
) -> tuple[list[ShippingOption], str, str | None]:
    """(methods, source, reference of a failed call)."""
    target = integration.target(Endpoint.SHIPPING)
    if target is None:
        return _builtin_methods(buyer.store), "fallback", None
    request = ShippingRequest(
        customer_code=buyer.account.customer_code,
        address1=ship_to.get("address1"),
        address2=ship_to.get("address2") or None,
        city=ship_to.get("city"),
        state=ship_to.get("state") or None,
        country=ship_to.get("country"),
        zip=ship_to.get("zip"),
        items=[
            ShippingItem(
                sku=line.sku,
                quantity=line.quantity,
                uom=line.uom,
                unit_price=line.unit_price,
                total_price=line.line_total,
            )
            for line in lines
        ],
    )
    call = ErpCall.of(Endpoint.SHIPPING, request, ShippingResponse, buyer.actor)
    outcome = await gateway.read(target, call)
    if outcome.value is None:
        return _builtin_methods(buyer.store), "fallback", outcome.reference or outcome.trace_id
    methods = [
        ShippingOption(
            code=m.code or m.label,
            label=m.label,
            total=m.total if m.total is not None else Decimal(0),
            carrier=m.carrier,
            estimated_days=m.estimated_days,
        )
        for m in outcome.value.shipping_methods
    ]
    return methods, "erp", None


async def _erp_tax(
    gateway: ErpGateway,
    integration: LiveIntegration,
    buyer: CheckoutBuyer,
    lines: list[PricedLine],
    ship_to: dict[str, Any],
    subtotal: Decimal,
    shipping_amount: Decimal | None,
) -> tuple[Decimal | None, str, bool, str | None]:
    """(tax, source, estimated, reference of a failed call); tax None means blocked."""
    fallback = quantize(subtotal * buyer.store.fallback_tax_rate)
    target = integration.target(Endpoint.TAXES)
    if target is None:
        return fallback, "fallback", False, None
    request = TaxesRequest(
        request=TaxRequestBody(
            header=TaxHeader(
                customer_code=buyer.account.customer_code,
                shiptopostcode=ship_to.get("zip"),
                seller_reference=buyer.account.seller_reference,
                currency=buyer.store.currency,
                ship_to=Address(**{k: v for k, v in ship_to.items() if v}),
                shipping_amount=shipping_amount,
            ),
            lines=[
                TaxLine(
                    item_sku=line.sku,
                    line_amount=line.line_total,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                )
                for line in lines
            ],
        )
    )
    outcome = await gateway.read(
        target, ErpCall.of(Endpoint.TAXES, request, TaxesResponse, buyer.actor)
    )
    if outcome.value is None:
        reference = outcome.reference or outcome.trace_id
        if integration.tax_failure_policy == "block":
            return None, "fallback", False, reference
        return fallback, "fallback", True, reference
    return quantize(outcome.value.data.salestax_amount), "erp", False, None


async def quote(
    gateway: ErpGateway,
    db: AsyncSession,
    integration: LiveIntegration,
    buyer: CheckoutBuyer,
    raw_lines: list[dict[str, Any]],
    ship_to: dict[str, Any],
    shipping_code: str | None = None,
    *,
    live_prices: LivePrices | None = None,
) -> Quote:
    """Lines at the buyer's prices (the ERP's with ``live_prices`` and a Prices URL, else the
    catalog's), live shipping methods and tax, and the totals."""
    errors = check_ship_to(ship_to)
    if errors:
        # Unknown products and bad quantities are said first: they are the cart's.
        await price_lines(db, buyer.store.id, raw_lines)
        raise ValidationFailed(
            "The ship-to address is incomplete.",
            fields={f"ship_to.{name}": text for name, text in errors.items()},
        )
    lines, offers = await priced_cart(db, live_prices, integration, buyer, raw_lines)
    subtotal = quantize(sum((line.line_total for line in lines), Decimal(0)))
    methods, ship_source, ship_ref = await _erp_shipping(
        gateway, integration, buyer, lines, ship_to
    )
    chosen = next((m for m in methods if m.code == shipping_code), None)
    if chosen is None and shipping_code is None and methods:
        chosen = methods[0]
    freight = quantize(chosen.total) if chosen else None
    tax, tax_source, estimated, tax_ref = await _erp_tax(
        gateway, integration, buyer, lines, ship_to, subtotal, freight
    )
    references = {
        name: ref for name, ref in (("shipping", ship_ref), ("taxes", tax_ref)) if ref is not None
    }
    references.update(offers.references)
    return Quote(
        currency=buyer.store.currency,
        lines=lines,
        subtotal=subtotal,
        shipping_methods=methods,
        shipping_source=ship_source,
        shipping_code=chosen.code if chosen else None,
        shipping_total=freight,
        tax_total=tax,
        tax_source=tax_source,
        tax_estimated=estimated,
        tax_blocked=tax is None,
        references=references,
        offers=offers,
    )


def price_changes(
    lines: list[PricedLine], expected: dict[str, Decimal] | None
) -> list[tuple[str, Decimal, Decimal]]:
    """(sku, the price shown, the price now) of each line whose price moved."""
    if not expected:
        return []
    return [
        (line.sku, expected[line.sku], line.unit_price)
        for line in lines
        if line.sku in expected and expected[line.sku] != line.unit_price
    ]


def _order_number() -> str:
    return "W-" + secrets.token_hex(4).upper()


async def place_order(
    gateway: ErpGateway,
    clock: Clock,
    db: AsyncSession,
    integration: LiveIntegration,
    buyer: CheckoutBuyer,
    raw_lines: list[dict[str, Any]],
    ship_to: dict[str, Any],
    shipping_code: str,
    po_number: str | None = None,
    notes: str | None = None,
    *,
    wake_delivery: Callable[[], None] | None = None,
    live_prices: LivePrices | None = None,
    expected_prices: dict[str, Decimal] | None = None,
) -> tuple[LocalOrder, list[LocalOrderLine], OrderDelivery | None]:
    """Quote again on the server (never trust client totals) and store the order with its lines.

    ``expected_prices`` (sku → the unit price the buyer was shown) refuses the order with
    ``PricesChanged`` when a price moved meanwhile, so nobody places at a price they did not see.
    With a Submit Order URL set, its delivery to the ERP is written in the same transaction
    (``wake_delivery`` is called once that commits: this process's worker sends it at once)."""
    result = await quote(
        gateway,
        db,
        integration,
        buyer,
        raw_lines,
        ship_to,
        shipping_code,
        live_prices=live_prices,
    )
    changes = price_changes(result.lines, expected_prices)
    if changes:
        raise PricesChanged(changes)
    if result.tax_blocked:
        raise ErpUnavailable(result.references["taxes"])
    chosen = next((m for m in result.shipping_methods if m.code == shipping_code), None)
    if chosen is None or result.shipping_total is None or result.tax_total is None:
        raise ValidationFailed(
            "Choose one of the shipping methods offered.", fields={"shipping_code": "unknown"}
        )
    total = result.total
    assert total is not None
    order = LocalOrder(
        store_id=buyer.store.id,
        customer_account_id=buyer.account.id,
        user_id=buyer.actor.user_id,
        impersonator_admin_id=buyer.actor.impersonator_admin_id,
        number=_order_number(),
        status="Placed",
        currency=result.currency,
        po_number=(po_number or "").strip() or None,
        notes=(notes or "").strip() or None,
        ship_to={k: v for k, v in ship_to.items() if v},
        shipping_code=chosen.code,
        shipping_label=chosen.label,
        shipping_source=result.shipping_source,
        subtotal=result.subtotal,
        shipping_total=result.shipping_total,
        tax_total=result.tax_total,
        tax_source=result.tax_source,
        tax_estimated=result.tax_estimated,
        total=total,
        placed_at=clock.now(),
    )
    lines = [
        LocalOrderLine(
            line_number=index,
            sku=line.sku,
            name=line.name,
            uom=line.uom,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.line_total,
            price_source=line.price_source,
        )
        for index, line in enumerate(result.lines, start=1)
    ]
    await repository.add_order(db, order, lines)
    delivery = None
    if integration.target(Endpoint.SUBMIT_ORDER) is not None:
        delivery = await delivery_service.queue(
            db,
            order,
            lines,
            buyer.account,
            retry_hours=integration.order_retry_hours,
            now=order.placed_at,
        )
        if wake_delivery is not None:
            after_commit(db, wake_delivery)
    # The account's orders list looks again (in this process; others within the cache's TTL).
    placed.order_placed(buyer.account.id)
    return order, lines, delivery


async def list_local_orders(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID, *, page: int, page_size: int
) -> tuple[list[LocalOrder], int, dict[uuid.UUID, OrderDelivery]]:
    """A page of the account's placed orders, their count, and their deliveries."""
    orders, total = await repository.list_orders(
        db, store_id, account_id, offset=(page - 1) * page_size, limit=page_size
    )
    deliveries = await delivery_service.for_orders(db, [order.id for order in orders])
    return orders, total, deliveries


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order: LocalOrder
    lines: list[LocalOrderLine]
    delivery: OrderDelivery | None


async def get_local_order(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID, order_id: uuid.UUID
) -> PlacedOrder | None:
    """One of the account's placed orders, with its lines and its delivery to the ERP."""
    order = await repository.get_order(db, store_id, account_id, order_id)
    if order is None:
        return None
    lines = await repository.order_lines(db, order.id)
    deliveries = await delivery_service.for_orders(db, [order.id])
    return PlacedOrder(order, lines, deliveries.get(order.id))
