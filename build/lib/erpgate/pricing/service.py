"""The buyer's own prices and the stock available to them, asked in batches and kept per SKU.

A page of products, a cart or a checkout asks ``LivePrices.offers`` once for all its SKUs. Each
SKU answered within the store's age (prices 5 minutes, stock 30 seconds by default) comes from
this process's cache; the rest is asked through the one ERP call (``ErpGateway.read``), at most
100 SKUs per request, the requests of one page side by side. The request bodies are built in SKU
order, so the buyers of one customer loading the same page at once send identical bodies and the
gateway joins them into one ERP call.

When the ERP fails, an answer kept within the store's stale age is used, "as of" its time;
otherwise the SKU has no live price (the catalog price applies, marked as such) and no known
stock (never invented). Rows the ERP should not have sent are refused one by one: a SKU not
asked (ignored), a SKU answered twice differently, a price of zero or less, another currency.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

from erpgate.erp.contract import (
    MAX_PRICE_LINES,
    InventoryRequest,
    InventoryResponse,
    PriceLine,
    PriceRow,
    PricesRequest,
    PricesResponse,
    StockRow,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, ErpCall
from erpgate.integration.service import LiveIntegration
from erpgate.kit.clock import Clock
from erpgate.logging import get_logger
from erpgate.pricing.cache import AnswerCache

log = get_logger(__name__)

# A page never asks for more than this many SKUs (5 requests); a 10,000-product request prices
# the first 500 live and the rest from the catalog, so one page cannot flood the ERP.
MAX_LIVE_SKUS = 500
# Requests of one page in flight at once: a 500-SKU page is five calls, not a burst of them.
PARALLEL_REQUESTS = 3
ONE = Decimal(1)

ItemT = TypeVar("ItemT", bound=Hashable)
K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
PriceKey = tuple[uuid.UUID, str, str, str, Decimal]  # store, customer, currency, sku, quantity
StockKey = tuple[uuid.UUID, str, str]  # store, customer, sku


@dataclass(frozen=True, slots=True)
class PriceAsker:
    """Whose prices: the store and its currency, the account's codes, and the actor for events."""

    store_id: uuid.UUID
    currency: str
    customer_code: str
    seller_reference: str | None
    actor: Actor


@dataclass(frozen=True, slots=True)
class Wanted:
    sku: str
    quantity: Decimal = ONE

    @property
    def key(self) -> tuple[str, Decimal]:
        return (self.sku, self.quantity)


@dataclass
class Offers:
    """What the ERP says about a set of SKUs for one customer, with how fresh it is."""

    prices_on: bool = False
    stock_on: bool = False
    prices: dict[tuple[str, Decimal], PriceRow] = field(default_factory=dict)
    stock: dict[str, StockRow] = field(default_factory=dict)
    prices_as_of: datetime | None = None  # set when a kept answer stands in for a failed call
    stock_as_of: datetime | None = None
    # The reference of a failed call, by endpoint value: the buyer's "ref" under the notice.
    references: dict[str, str] = field(default_factory=dict)

    def price(self, sku: str, quantity: Decimal = ONE) -> PriceRow | None:
        return self.prices.get((sku, quantity))

    def stock_of(self, sku: str) -> StockRow | None:
        return self.stock.get(sku)

    @property
    def prices_failed(self) -> bool:
        return Endpoint.PRICES.value in self.references

    @property
    def stock_failed(self) -> bool:
        return Endpoint.INVENTORY.value in self.references


class LivePrices:
    """This process's price and stock caches and the way to fill them (one per app or worker)."""

    def __init__(self, gateway: ErpGateway, clock: Clock) -> None:
        self.gateway = gateway
        self.clock = clock
        self.prices: AnswerCache[PriceKey, PriceRow] = AnswerCache()
        self.stock: AnswerCache[StockKey, StockRow] = AnswerCache()

    async def offers(
        self, integration: LiveIntegration, asker: PriceAsker, wanted: Sequence[Wanted]
    ) -> Offers:
        """Prices and stock of ``wanted`` for ``asker``; never raises for an ERP failure."""
        offers = Offers(
            prices_on=integration.is_enabled(Endpoint.PRICES),
            stock_on=integration.is_enabled(Endpoint.INVENTORY),
        )
        # One quantity per SKU (the first asked): an answer row names no quantity, so a SKU asked
        # twice in one request could not tell its two prices apart. A page or a cart has each
        # SKU once anyway.
        first: dict[str, Wanted] = {}
        for item in wanted:
            first.setdefault(item.sku, item)
        unique = list(first.values())[:MAX_LIVE_SKUS]
        tasks = []
        if offers.prices_on:
            tasks.append(self._prices(integration, asker, unique, offers))
        if offers.stock_on:
            tasks.append(self._stock(integration, asker, [item.sku for item in unique], offers))
        await asyncio.gather(*tasks)
        return offers

    async def _prices(
        self, integration: LiveIntegration, asker: PriceAsker, wanted: list[Wanted], offers: Offers
    ) -> None:
        target = integration.target(Endpoint.PRICES)
        assert target is not None

        async def ask(batch: list[Wanted]) -> dict[Wanted, PriceRow] | str:
            request = PricesRequest(
                customer_code=asker.customer_code,
                seller_reference=asker.seller_reference,
                currency=asker.currency,
                lines=[PriceLine(sku=item.sku, quantity=item.quantity) for item in batch],
            )
            call = ErpCall.of(Endpoint.PRICES, request, PricesResponse, asker.actor)
            outcome = await self.gateway.read(target, call)
            if outcome.value is None:
                return outcome.reference or outcome.trace_id
            rows = accepted_prices(outcome.value.data, batch, asker, call.trace_id)
            return {item: rows[item.sku] for item in batch if item.sku in rows}

        found: dict[Wanted, PriceRow] = {}
        filling: _Filling[Wanted, PriceKey, PriceRow] = _Filling(
            self.prices,
            lambda item: (asker.store_id, asker.customer_code, asker.currency, *item.key),
            fresh_seconds=integration.price_cache_seconds,
            stale_seconds=integration.stale_max_age_seconds,
            now=self.clock.now,
        )
        reference, as_of = await filling.fill(sorted(wanted, key=lambda item: item.key), ask, found)
        offers.prices = {item.key: row for item, row in found.items()}
        offers.prices_as_of = as_of
        if reference is not None:
            offers.references[Endpoint.PRICES.value] = reference

    async def _stock(
        self, integration: LiveIntegration, asker: PriceAsker, skus: list[str], offers: Offers
    ) -> None:
        target = integration.target(Endpoint.INVENTORY)
        assert target is not None

        async def ask(batch: list[str]) -> dict[str, StockRow] | str:
            request = InventoryRequest(
                customer_code=asker.customer_code,
                seller_reference=asker.seller_reference,
                skus=batch,
            )
            call = ErpCall.of(Endpoint.INVENTORY, request, InventoryResponse, asker.actor)
            outcome = await self.gateway.read(target, call)
            if outcome.value is None:
                return outcome.reference or outcome.trace_id
            return accepted_stock(outcome.value.data, batch, asker, call.trace_id)

        filling: _Filling[str, StockKey, StockRow] = _Filling(
            self.stock,
            lambda sku: (asker.store_id, asker.customer_code, sku),
            fresh_seconds=integration.stock_cache_seconds,
            stale_seconds=integration.stale_max_age_seconds,
            now=self.clock.now,
        )
        reference, offers.stock_as_of = await filling.fill(sorted(skus), ask, offers.stock)
        if reference is not None:
            offers.references[Endpoint.INVENTORY.value] = reference


@dataclass(frozen=True, slots=True)
class _Filling(Generic[ItemT, K, R]):
    """Fill ``found`` for some items from one cache, asking the ERP for the rest."""

    cache: AnswerCache[K, R]
    key: Callable[[ItemT], K]
    fresh_seconds: float
    stale_seconds: float
    now: Callable[[], datetime]

    async def fill(
        self,
        items: list[ItemT],
        ask: Callable[[list[ItemT]], Awaitable[dict[ItemT, R] | str]],
        found: dict[ItemT, R],
    ) -> tuple[str | None, datetime | None]:
        """(the reference of a failed call, the time of the oldest kept answer used for one)."""
        missing = []
        for item in items:
            kept = self.cache.get(self.key(item), self.fresh_seconds)
            if kept is None:
                missing.append(item)
            elif kept.value is not None:
                found[item] = kept.value
        reference: str | None = None
        as_of: datetime | None = None
        gate = asyncio.Semaphore(PARALLEL_REQUESTS)

        async def one(batch: list[ItemT]) -> None:
            nonlocal reference, as_of
            async with gate:
                answer = await ask(batch)
            if isinstance(answer, str):  # failed: the answers kept within the stale age
                reference = answer
                for item in batch:
                    kept = self.cache.get(self.key(item), self.stale_seconds)
                    if kept is not None and kept.value is not None:
                        found[item] = kept.value
                        as_of = kept.fetched_at if as_of is None else min(as_of, kept.fetched_at)
                return
            fetched_at = self.now()
            for item in batch:
                row = answer.get(item)
                self.cache.put(self.key(item), row, fetched_at)  # None: the ERP has no answer
                if row is not None:
                    found[item] = row

        size = MAX_PRICE_LINES
        await asyncio.gather(*(one(missing[i : i + size]) for i in range(0, len(missing), size)))
        return reference, as_of


def accepted_prices(
    rows: Iterable[PriceRow], asked: Sequence[Wanted], asker: PriceAsker, trace_id: str
) -> dict[str, PriceRow]:
    """The rows erpgate uses, by SKU: each asked SKU answered once, above zero, in the currency
    asked. The others are refused one by one (their SKU falls back to the catalog price)."""
    return _accepted(
        Endpoint.PRICES,
        rows,
        {item.sku for item in asked},
        lambda row: _price_problem(row, asker.currency),
        "answered twice with different prices",
        asker,
        trace_id,
    )


def _price_problem(row: PriceRow, currency: str) -> str | None:
    if row.currency.strip().upper() != currency.upper():
        return f"currency {row.currency[:8]!r}, asked {currency}"
    if row.unit_price <= 0:
        return f"unit_price {row.unit_price} is not above zero"
    if any(step.unit_price <= 0 for step in row.price_breaks):
        return "a price break is not above zero"
    return None


def accepted_stock(
    rows: Iterable[StockRow], asked: Sequence[str], asker: PriceAsker, trace_id: str
) -> dict[str, StockRow]:
    """Stock rows by SKU: each asked SKU answered once (twice differently is refused)."""
    return _accepted(
        Endpoint.INVENTORY,
        rows,
        set(asked),
        lambda row: None,
        "answered twice with different stock",
        asker,
        trace_id,
    )


RowT = TypeVar("RowT", PriceRow, StockRow)


def _accepted(
    endpoint: Endpoint,
    rows: Iterable[RowT],
    wanted: set[str],
    problem: Callable[[RowT], str | None],
    twice: str,
    asker: PriceAsker,
    trace_id: str,
) -> dict[str, RowT]:
    """Rows by SKU, one per asked SKU: rows for SKUs not asked are ignored; a row with a
    ``problem``, or a SKU answered twice differently (``twice``), refuses that SKU."""
    chosen: dict[str, RowT] = {}
    refused: dict[str, str] = {}
    ignored = 0
    for row in rows:
        sku = row.sku
        if sku not in wanted:
            ignored += 1
            continue
        if sku in refused:
            continue
        reason = problem(row)
        earlier = chosen.get(sku)
        if reason is None and earlier is not None and earlier != row:
            reason = twice
        if reason is not None:
            chosen.pop(sku, None)
            refused[sku] = reason
        elif earlier is None:
            chosen[sku] = row
    _log_refused(endpoint, refused, ignored, asker, trace_id)
    return chosen


def _log_refused(
    endpoint: Endpoint, refused: dict[str, str], ignored: int, asker: PriceAsker, trace_id: str
) -> None:
    """One line per answer with refused rows: which SKUs and why (the first ten)."""
    if not refused and not ignored:
        return
    log.warning(
        "erp_rows_refused",
        endpoint=endpoint.value,
        customer_code=asker.customer_code,
        trace_id=trace_id,
        refused=[f"{sku}: {why}" for sku, why in list(refused.items())[:10]],
        refused_count=len(refused),
        not_asked=ignored,
    )
