"""The storefront JSON API: the same features as the pages, for scripts and headless shops.

Each answer is the declared response model, serialized once (``model_response``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpgate.storefront import service
from erpgate.storefront.deps import ApiBuyer, erp_reads
from erpgate.storefront.schemas import (
    BalanceOut,
    InvoiceOut,
    InvoiceQuery,
    InvoiceRow,
    InvoicesPage,
    ListQuery,
    OrderOut,
    OrdersPage,
)
from erpgate.web.query import openapi_parameters, read_query
from erpgate.web.responses import model_response
from erpgate.web.state import get_state

router = APIRouter(prefix="/api/v1/storefront", tags=["storefront"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the API key is not valid"},
    403: {"description": "The buyer lacks the permission; the ERP was not asked"},
    422: {"description": "A filter is not valid; the ERP was not asked"},
    503: {"description": '`{"error": "erp_unavailable", "reference": "<reference>"}`'},
}
STALE = ("stale_as_of",)


@router.get(
    "/orders",
    response_model=OrdersPage,
    responses=ERRORS,
    openapi_extra=openapi_parameters(ListQuery),
)
async def list_orders(request: Request, buyer: ApiBuyer) -> Response:
    """The buyer's orders: search (order or PO number), status, date range, paging. The first
    page also gives the orders placed in this store that the ERP does not list yet (`placed`)."""
    query = read_query(ListQuery, request)
    state = get_state(request)
    listing = await service.list_orders(
        erp_reads(request),
        state.session_factory,
        buyer,
        query,
        cache_seconds=state.settings.buyer_cache_seconds,
    )
    page = OrdersPage.model_construct(
        data=listing.rows,
        page=listing.page,
        source=listing.source,
        stale_as_of=listing.stale_as_of,
        statuses=listing.statuses,
        placed=listing.placed or None,
    )
    return model_response(page, omit_none=(*STALE, "statuses", "placed"))


@router.get("/orders/{order_id}", response_model=OrderOut, responses=ERRORS)
async def get_order(request: Request, buyer: ApiBuyer, order_id: str) -> Response:
    """One order with lines, addresses, totals and shipments; 404 when not the buyer's."""
    detail = await service.get_order(erp_reads(request), buyer, order_id)
    out = OrderOut.model_construct(data=detail.value, stale_as_of=detail.stale_as_of)
    return model_response(out, omit_none=STALE)


@router.get(
    "/invoices",
    response_model=InvoicesPage,
    responses=ERRORS,
    openapi_extra=openapi_parameters(InvoiceQuery),
)
async def list_invoices(request: Request, buyer: ApiBuyer) -> Response:
    """The buyer's invoices, filtered open / paid / all, with balance and overdue marker."""
    query = read_query(InvoiceQuery, request)
    reads = erp_reads(request)
    listing = await service.list_invoices(reads, buyer, query)
    today = reads.clock.now().date()
    page = InvoicesPage.model_construct(
        data=[InvoiceRow.of(row, today) for row in listing.rows],
        page=listing.page,
        stale_as_of=listing.stale_as_of,
    )
    return model_response(page, omit_none=STALE)


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut, responses=ERRORS)
async def get_invoice(request: Request, buyer: ApiBuyer, invoice_id: str) -> Response:
    """One invoice with lines and payments applied; 404 when not the buyer's."""
    detail = await service.get_invoice(erp_reads(request), buyer, invoice_id)
    out = InvoiceOut.model_construct(data=detail.value, stale_as_of=detail.stale_as_of)
    return model_response(out, omit_none=STALE)


@router.get("/balance", response_model=BalanceOut, responses=ERRORS)
async def get_balance(request: Request, buyer: ApiBuyer) -> Response:
    """The A/R summary: balance, credit limit, available credit, past due, terms, aging."""
    detail = await service.get_balance(erp_reads(request), buyer)
    out = BalanceOut.model_construct(data=detail.value, stale_as_of=detail.stale_as_of)
    return model_response(out, omit_none=STALE)
