"""Storefront reads: orders, invoices and balance for the signed-in buyer's own account.

Each function checks the buyer's permission before anything else, so a refused buyer never
causes an ERP call; requests are built from the contract models with the buyer's own codes.
The ERP is asked through the one gateway call (``ErpGateway.read``); when it fails, the last
good answer for the very same request is served "as of" its time if it is young enough
(the store's stale max age), otherwise ``ErpUnavailable`` carries the reference.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import placed
from erpgate.checkout import service as checkout_service
from erpgate.db.engine import SessionFactory
from erpgate.erp.contract import (
    Balance,
    BalanceRequest,
    BalanceResponse,
    InvoiceDetail,
    InvoiceRequest,
    InvoiceResponse,
    InvoicesListRequest,
    InvoicesListResponse,
    InvoiceSummary,
    OrderDetail,
    OrderRequest,
    OrderResponse,
    OrdersListRequest,
    OrdersListResponse,
    OrderSummary,
    PageMeta,
    WireRequest,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import ErpCall
from erpgate.errors import ErpUnavailable, NotFound
from erpgate.kit.clock import Clock
from erpgate.outcomes.answers import SavedAnswers, answer_key
from erpgate.storefront.buyers import Buyer
from erpgate.storefront.schemas import InvoiceQuery, ListQuery, PageOut

RowT = TypeVar("RowT")
ValueT = TypeVar("ValueT")
T = TypeVar("T", bound=BaseModel)
ListResponseT = TypeVar("ListResponseT", OrdersListResponse, InvoicesListResponse)


@dataclass(frozen=True, slots=True)
class ErpReads:
    """What a buyer's ERP read needs besides the buyer: the gateway, the saved answers and the
    clock (endpoints build it from the app; tests from their own parts)."""

    gateway: ErpGateway
    answers: SavedAnswers
    clock: Clock


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    value: T
    stale_as_of: datetime | None = None  # set when this is a saved answer shown during an outage
    reference: str | None = None  # the failed call's reference, when stale


async def read_erp(
    reads: ErpReads,
    buyer: Buyer,
    endpoint: Endpoint,
    request: WireRequest,
    answer_model: type[T],
) -> Answer[T]:
    """One ERP read on the buyer's behalf, with the stale fallback."""
    target = buyer.integration.target(endpoint)
    if target is None:
        raise NotFound("This page is not available in this store.")
    now = reads.clock.now()
    call = ErpCall.of(endpoint, request, answer_model, buyer.actor)
    key = answer_key(buyer.store.id, call)
    if reads.answers.wants(key, now):
        call.saved_under = key
    outcome = await reads.gateway.read(target, call)
    if outcome.value is not None:
        return Answer(outcome.value)
    if outcome.not_found:
        raise NotFound("We could not find that in your account.")
    reference = outcome.reference or outcome.trace_id
    max_age = timedelta(seconds=buyer.integration.stale_max_age_seconds)
    saved = await reads.answers.lookup(key, max_age=max_age, now=reads.clock.now())
    if saved is None:
        raise ErpUnavailable(reference)
    try:
        value = answer_model.model_validate_json(saved.body)
    except ValidationError:
        raise ErpUnavailable(reference) from None
    return Answer(value, stale_as_of=saved.fetched_at, reference=reference)


MODULES = (
    ("orders", "orders", Endpoint.ORDERS),
    ("invoices", "invoices", Endpoint.INVOICES),
    ("balance", "balance", Endpoint.BALANCE),
    ("catalog", "checkout", None),
)


def pager(query: ListQuery, rows: int, meta: PageMeta | None) -> PageOut:
    """Next page from `total`, else `has_more`, else 'the page came back full'."""
    total = meta.total if meta else None
    if total is not None:
        has_next = query.page * query.page_size < total
    elif meta is not None and meta.has_more is not None:
        has_next = meta.has_more
    else:
        has_next = rows >= query.page_size
    return PageOut(page=query.page, page_size=query.page_size, total=total, has_next=has_next)


def modules(buyer: Buyer) -> list[str]:
    """The features this buyer sees: allowed by permission and switched on by a configured URL."""
    shown = []
    for name, permission, endpoint in MODULES:
        # Orders stay on without an Orders URL: the buyer then sees orders placed here.
        if (
            endpoint is not None
            and endpoint != Endpoint.ORDERS
            and not buyer.integration.is_enabled(endpoint)
        ):
            continue
        if buyer.may(permission):
            shown.append(name)
    return shown


def opens_orders(buyer: Buyer) -> bool:
    """Whether an order id may link to its page: the buyer sees orders and the Order URL is set
    (otherwise the link would lead to a refusal or a "not found")."""
    return buyer.may("orders") and buyer.integration.is_enabled(Endpoint.ORDER)


@dataclass
class Listing(Generic[RowT]):
    rows: list[RowT]
    page: PageOut
    source: Literal["erp", "local"] = "erp"
    stale_as_of: datetime | None = None
    reference: str | None = None
    detail_links: bool = True
    statuses: list[str] | None = None  # the ERP's order statuses, when it publishes them
    # Orders placed in this store that the ERP does not list yet (the orders list's first page).
    placed: list[Any] = field(default_factory=list)

    def status_options(self, current: str | None) -> list[tuple[str, str]] | None:
        """The status select's choices, or None for a text field (no statuses published)."""
        if not self.statuses:
            return None
        values = list(self.statuses)
        if current and current.casefold() not in {value.casefold() for value in values}:
            values.append(current)  # a status typed into the URL stays visible and selected
        return [("", "All"), *((value, value) for value in values)]


async def _erp_listing(
    reads: ErpReads,
    buyer: Buyer,
    query: ListQuery,
    *,
    status: str | None,
    endpoint: Endpoint,
    request_type: type[OrdersListRequest] | type[InvoicesListRequest],
    response_type: type[ListResponseT],
    detail_endpoint: Endpoint,
) -> Listing[Any]:
    """One page of a list read from the ERP with the buyer's own codes and the query's filters.

    Rows link to their detail page only when the store has the matching detail URL configured.
    """
    request = request_type(
        customer_code=buyer.account.customer_code,
        seller_reference=buyer.account.seller_reference,
        page=query.page,
        page_size=query.page_size,
        search=query.search,
        status=status,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    answer = await read_erp(reads, buyer, endpoint, request, response_type)
    rows = answer.value.data
    return Listing(
        rows=rows,
        page=pager(query, len(rows), answer.value.meta),
        stale_as_of=answer.stale_as_of,
        reference=answer.reference,
        detail_links=buyer.integration.is_enabled(detail_endpoint),
        statuses=getattr(answer.value, "statuses", None),
    )


async def list_orders(
    reads: ErpReads,
    sessions: SessionFactory,
    buyer: Buyer,
    query: ListQuery,
    *,
    cache_seconds: float,
) -> Listing[OrderSummary]:
    """The ERP's list, its first page led by the orders placed here that the ERP does not list
    yet; without an Orders URL, the orders placed in this store."""
    buyer.require("orders")
    if not buyer.integration.is_enabled(Endpoint.ORDERS):
        async with sessions() as db:
            return await _local_orders(db, buyer, query)
    listing = await _erp_listing(
        reads,
        buyer,
        query,
        status=query.status,
        endpoint=Endpoint.ORDERS,
        request_type=OrdersListRequest,
        response_type=OrdersListResponse,
        detail_endpoint=Endpoint.ORDER,
    )
    if query.page == 1:
        filters = placed.PlacedFilters(query.search, query.status, query.date_from, query.date_to)
        rows = await placed.not_in_erp(
            sessions,
            buyer.store.id,
            buyer.account.id,
            filters,
            limit=query.page_size,
            cache_seconds=cache_seconds,
        )
        # Never twice: an order the ERP lists shows as the ERP's.
        listing.placed = [row for row in rows if not placed.listed_by_erp(row, listing.rows)]
    return listing


async def _local_orders(db: AsyncSession, buyer: Buyer, query: ListQuery) -> Listing[OrderSummary]:
    orders, total, deliveries = await checkout_service.list_local_orders(
        db, buyer.store.id, buyer.account.id, page=query.page, page_size=query.page_size
    )
    rows: list[OrderSummary] = [placed.summary(order, deliveries.get(order.id)) for order in orders]
    return Listing(
        rows=rows,
        page=pager(query, len(rows), PageMeta(total=total)),
        source="local",
    )


@dataclass
class Detail(Generic[ValueT]):
    value: ValueT
    stale_as_of: datetime | None = None
    reference: str | None = None


async def get_order(reads: ErpReads, buyer: Buyer, order_id: str) -> Detail[OrderDetail]:
    buyer.require("orders")
    if not buyer.integration.is_enabled(Endpoint.ORDER) or not order_id.strip():
        raise NotFound("We could not find that order in your account.")
    request = OrderRequest(
        customer_code=buyer.account.customer_code,
        seller_reference=buyer.account.seller_reference,
        order_id=order_id,
    )
    answer = await read_erp(reads, buyer, Endpoint.ORDER, request, OrderResponse)
    if answer.value.data is None:
        raise NotFound("We could not find that order in your account.")
    return Detail(answer.value.data, answer.stale_as_of, answer.reference)


async def list_invoices(
    reads: ErpReads, buyer: Buyer, query: InvoiceQuery
) -> Listing[InvoiceSummary]:
    buyer.require("invoices")
    if not buyer.integration.is_enabled(Endpoint.INVOICES):
        raise NotFound("Invoices are not available in this store.")
    return await _erp_listing(
        reads,
        buyer,
        query,
        status=None if query.status in (None, "all") else query.status,
        endpoint=Endpoint.INVOICES,
        request_type=InvoicesListRequest,
        response_type=InvoicesListResponse,
        detail_endpoint=Endpoint.INVOICE,
    )


async def get_invoice(reads: ErpReads, buyer: Buyer, invoice_id: str) -> Detail[InvoiceDetail]:
    buyer.require("invoices")
    if not buyer.integration.is_enabled(Endpoint.INVOICE) or not invoice_id.strip():
        raise NotFound("We could not find that invoice in your account.")
    request = InvoiceRequest(
        customer_code=buyer.account.customer_code,
        seller_reference=buyer.account.seller_reference,
        invoice_id=invoice_id,
    )
    answer = await read_erp(reads, buyer, Endpoint.INVOICE, request, InvoiceResponse)
    if answer.value.data is None:
        raise NotFound("We could not find that invoice in your account.")
    return Detail(answer.value.data, answer.stale_as_of, answer.reference)


async def get_balance(reads: ErpReads, buyer: Buyer) -> Detail[Balance]:
    buyer.require("balance")
    if not buyer.integration.is_enabled(Endpoint.BALANCE):
        raise NotFound("The account balance is not available in this store.")
    request = BalanceRequest(
        customer_code=buyer.account.customer_code,
        seller_reference=buyer.account.seller_reference,
    )
    answer = await read_erp(reads, buyer, Endpoint.BALANCE, request, BalanceResponse)
    return Detail(answer.value.data, answer.stale_as_of, answer.reference)


@dataclass(frozen=True)
class AgingBar:
    label: str
    amount: Decimal
    share: Decimal  # of all the aged amounts, in percent (one decimal): the bar's width
    negative: bool

    @property
    def share_label(self) -> str:
        """ "72 %", "0.4 %"; a bucket that holds something never reads as "0 %"."""
        if self.share == 0 and self.amount != 0:
            return "< 0.1 %"
        return f"{self.share.normalize():f} %"


@dataclass
class AgingChart:
    bars: list[AgingBar] = field(default_factory=list)


def aging_chart(balance: Balance) -> AgingChart:
    """Each bucket's share of all the aged amounts (credits counted by their size and drawn
    apart), so a bucket holding 72 % of the balance fills 72 % of the width, not all of it, and an
    empty bucket draws nothing."""
    total = sum((abs(b.amount) for b in balance.aging), Decimal(0))
    bars = [
        AgingBar(
            label=b.label,
            amount=b.amount,
            share=(abs(b.amount) * 100 / total).quantize(Decimal("0.1")) if total else Decimal(0),
            negative=b.amount < 0,
        )
        for b in balance.aging
    ]
    return AgingChart(bars)


def parse_local_order_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("We could not find that order in your account.") from None
