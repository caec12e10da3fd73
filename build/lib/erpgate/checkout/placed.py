"""Orders placed in this store that the ERP does not list yet, for the buyer's orders list.

An order placed here reaches the ERP's list only once it is delivered (with a Submit Order URL)
and the ERP lists it; until then the buyer's orders list shows it on its first page, marked with
its delivery state, so a placed order can always be found again (also by its number or PO
number). Once the ERP's list has it, it shows once, as the ERP's (``erp_keys``).

The orders list is the storefront's hottest read, and most accounts have never placed an order
here: the account's most recent placed orders are kept in memory for the buyer cache's time to
live, so a read costs no query. Placing an order drops its account's entry in this process; other
instances see the new order within that time to live.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from erpgate.checkout import repository
from erpgate.checkout.schemas import DeliveryOut, PlacedSummary
from erpgate.db.engine import SessionFactory
from erpgate.delivery import service as delivery_service
from erpgate.erp.contract import OrderSummary
from erpgate.kit.local_cache import PLACED_ORDERS, LocalCache
from erpgate.kit.money import quantize
from erpgate.models.local_order import LocalOrder
from erpgate.models.order_delivery import OrderDelivery

# The most recent placed orders kept per account. An account with more has the older ones looked
# up in the database when a filter asks for them.
KEPT = 50


@dataclass(frozen=True)
class PlacedFilters:
    search: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def matches(self, row: OrderSummary) -> bool:
        if self.search:
            needle = self.search.casefold()
            texts = (row.order_number or "", row.po_number or "")
            if not any(needle in text.casefold() for text in texts):
                return False
        if self.status and (row.status or "").casefold() != self.status.casefold():
            return False
        if self.date_from and row.date < self.date_from:
            return False
        return not (self.date_to and row.date > self.date_to)

    @property
    def any(self) -> bool:
        return any((self.search, self.status, self.date_from, self.date_to))


@dataclass(frozen=True)
class _Recent:
    rows: tuple[PlacedSummary, ...]  # newest first
    complete: bool  # every placed order of the account is in rows


_recent: LocalCache[uuid.UUID, _Recent] = LocalCache((PLACED_ORDERS,))


def summary(order: LocalOrder, delivery: OrderDelivery | None) -> PlacedSummary:
    """A placed order as a row of the orders list (its id is erpgate's, not the ERP's)."""
    return PlacedSummary(
        order_id=str(order.id),
        order_number=order.number,
        date=order.placed_at.date(),
        status=order.status,
        po_number=order.po_number,
        currency=order.currency,
        total=quantize(order.total),  # stored with four places
        ship_to_name=str(order.ship_to.get("name") or "") or None,
        delivery=delivery_out(delivery),
    )


def delivery_out(delivery: OrderDelivery | None) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery_service.for_buyer(delivery).as_json())


def listed_by_erp(row: PlacedSummary, erp_rows: list[OrderSummary]) -> bool:
    """Whether the ERP's rows hold this placed order: by the id or number the ERP gave it, or
    by the store's number (an ERP that keeps the order reference as its number)."""
    ids = {r.order_id for r in erp_rows}
    numbers = {r.order_number.casefold() for r in erp_rows if r.order_number}
    delivery = row.delivery
    if delivery.erp_order_id and delivery.erp_order_id in ids:
        return True
    own = {(row.order_number or "").casefold(), (delivery.erp_order_number or "").casefold()}
    return bool(own - {""} & numbers)


async def not_in_erp(
    sessions: SessionFactory,
    store_id: uuid.UUID,
    account_id: uuid.UUID,
    filters: PlacedFilters,
    *,
    limit: int,
    cache_seconds: float,
) -> list[PlacedSummary]:
    """Up to ``limit`` of the account's placed orders the ERP does not list yet that match
    ``filters``, newest first."""
    recent = _recent.get(account_id, cache_seconds)
    if recent is None:
        orders = await _search(sessions, store_id, account_id, PlacedFilters(), KEPT + 1)
        recent = _Recent(rows=tuple(orders[:KEPT]), complete=len(orders) <= KEPT)
        _recent.put(account_id, recent, cache_seconds)
    if not recent.rows:
        return []
    matching = [row for row in recent.rows if filters.matches(row)]
    if len(matching) >= limit or recent.complete or not filters.any:
        return matching[:limit]
    # A filter may match placed orders older than the kept ones: ask the database.
    return await _search(sessions, store_id, account_id, filters, limit)


async def _search(
    sessions: SessionFactory,
    store_id: uuid.UUID,
    account_id: uuid.UUID,
    filters: PlacedFilters,
    limit: int,
) -> list[PlacedSummary]:
    async with sessions() as db:
        orders = await repository.search_orders(
            db,
            store_id,
            account_id,
            search=filters.search,
            status=filters.status,
            date_from=filters.date_from,
            date_to=filters.date_to,
            limit=limit,
        )
        deliveries = await delivery_service.for_orders(db, [order.id for order in orders])
    return [summary(order, deliveries.get(order.id)) for order in orders]


def order_placed(account_id: uuid.UUID) -> None:
    """This process placed an order for the account: its next list read looks again."""
    _recent.discard(account_id)
