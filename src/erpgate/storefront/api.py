"""The storefront JSON API: the same features as the pages, for scripts and headless shops."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from erpgate.storefront import service
from erpgate.storefront.deps import ApiBuyer
from erpgate.storefront.schemas import (
    BalanceOut,
    InvoiceOut,
    InvoiceQuery,
    InvoicesPage,
    ListQuery,
    OrderOut,
    OrdersPage,
)
from erpgate.web.db import DbSession
from erpgate.web.responses import JsonResponse
from erpgate.web.state import get_state

ModelT = TypeVar("ModelT", bound=BaseModel)

router = APIRouter(prefix="/api/v1/storefront", tags=["storefront"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the API key is not valid"},
    403: {"description": "The buyer lacks the permission; the ERP was not asked"},
    422: {"description": "A filter is not valid; the ERP was not asked"},
    503: {"description": '`{"error": "erp_unavailable", "reference": "<trace id>"}`'},
}


def _stale(stale_as_of: Any) -> dict[str, Any]:
    return {"stale_as_of": stale_as_of.isoformat()} if stale_as_of else {}


def _detail_response(detail: service.Detail[ModelT]) -> JsonResponse:
    """One record under ``data``, with ``stale_as_of`` when it is a saved answer."""
    return JsonResponse(
        {"data": detail.value.model_dump(mode="json"), **_stale(detail.stale_as_of)}
    )


@router.get("/orders", response_model=OrdersPage, responses=ERRORS)
async def list_orders(
    request: Request, db: DbSession, buyer: ApiBuyer, query: Annotated[ListQuery, Query()]
) -> JsonResponse:
    """The buyer's orders: search (order or PO number), status, date range, paging."""
    listing = await service.list_orders(get_state(request), db, buyer, query)
    return JsonResponse(
        {
            "data": [row.model_dump(mode="json") for row in listing.rows],
            "page": listing.page.model_dump(),
            "source": listing.source,
            **_stale(listing.stale_as_of),
        }
    )


@router.get("/orders/{order_id}", response_model=OrderOut, responses=ERRORS)
async def get_order(
    request: Request, db: DbSession, buyer: ApiBuyer, order_id: str
) -> JsonResponse:
    """One order with lines, addresses, totals and shipments; 404 when not the buyer's."""
    detail = await service.get_order(get_state(request), db, buyer, order_id)
    return _detail_response(detail)


@router.get("/invoices", response_model=InvoicesPage, responses=ERRORS)
async def list_invoices(
    request: Request, db: DbSession, buyer: ApiBuyer, query: Annotated[InvoiceQuery, Query()]
) -> JsonResponse:
    """The buyer's invoices, filtered open / paid / all, with balance and overdue marker."""
    listing = await service.list_invoices(get_state(request), db, buyer, query)
    today = get_state(request).clock.now().date()
    return JsonResponse(
        {
            "data": [
                {**row.model_dump(mode="json"), "overdue": row.is_overdue(today)}
                for row in listing.rows
            ],
            "page": listing.page.model_dump(),
            **_stale(listing.stale_as_of),
        }
    )


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut, responses=ERRORS)
async def get_invoice(
    request: Request, db: DbSession, buyer: ApiBuyer, invoice_id: str
) -> JsonResponse:
    """One invoice with lines and payments applied; 404 when not the buyer's."""
    detail = await service.get_invoice(get_state(request), db, buyer, invoice_id)
    return _detail_response(detail)


@router.get("/balance", response_model=BalanceOut, responses=ERRORS)
async def get_balance(request: Request, db: DbSession, buyer: ApiBuyer) -> JsonResponse:
    """The A/R summary: balance, credit limit, available credit, past due, terms, aging."""
    detail = await service.get_balance(get_state(request), db, buyer)
    return _detail_response(detail)
