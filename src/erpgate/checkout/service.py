"""Checkout rules: price lines from the catalog, ask the ERP for shipping and tax, place orders.

The ERP is asked for shipping first, then for taxes with the chosen method's amount
(``shipping_amount``: freight is taxable in many places). When it fails, shipping falls back to
the store's built-in methods and tax follows the store's policy: ``estimate`` (fallback rate,
order flagged) or ``block`` (no order until tax is known).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import placed, repository
from erpgate.checkout.cart import parse_quantity
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
from erpgate.errors import ErpUnavailable, ValidationFailed
from erpgate.integration.service import LiveIntegration
from erpgate.kit.clock import Clock
from erpgate.kit.money import CENT, quantize
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.local_order import LocalOrder
from erpgate.models.local_order_line import LocalOrderLine
from erpgate.models.order_delivery import OrderDelivery
from erpgate.models.store import Store

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


@dataclass(frozen=True, slots=True)
class PricedLine:
    sku: str
    name: str
    uom: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal


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
        # Stored with 4 decimals; show 16.80, not 16.8000, unless the price really has more.
        price = product.unit_price
        if price == price.quantize(CENT):
            price = price.quantize(CENT)
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
) -> Quote:
    """Lines priced from the catalog, live shipping methods and tax, and the totals."""
    lines = await price_lines(db, buyer.store.id, raw_lines)
    errors = check_ship_to(ship_to)
    if errors:
        raise ValidationFailed(
            "The ship-to address is incomplete.",
            fields={f"ship_to.{name}": text for name, text in errors.items()},
        )
    subtotal = quantize(sum((line.line_total for line in lines), Decimal(0)))
    # The catalog is read: the pooled connection goes back before the ERP calls, so a slow ERP
    # can never hold the pool (this ends the request's transaction; what it wrote is committed).
    await release_connection(db)
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
    )


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
) -> tuple[LocalOrder, list[LocalOrderLine], OrderDelivery | None]:
    """Quote again on the server (never trust client totals) and store the order with its lines.

    With a Submit Order URL set, its delivery to the ERP is written in the same transaction
    (``wake_delivery`` is called once that commits: this process's worker sends it at once)."""
    result = await quote(gateway, db, integration, buyer, raw_lines, ship_to, shipping_code)
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
