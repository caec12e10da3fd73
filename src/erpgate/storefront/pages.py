"""Buyer pages: orders, invoices and balance, server-rendered, working without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from erpgate.errors import ErpUnavailable
from erpgate.storefront import service
from erpgate.storefront.deps import Buyer, PageBuyer
from erpgate.storefront.schemas import InvoiceQuery, ListQuery
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter(include_in_schema=False)


def page_context(request: Request, buyer: Buyer, **values: Any) -> dict[str, Any]:
    """What every storefront page needs: the store, the buyer, the nav and the banner."""
    return {
        "store": buyer.store,
        "buyer": buyer,
        "modules": service.modules(buyer),
        "csrf_token": buyer.csrf_token,
        "impersonation": buyer.impersonation,
        "base": f"/store/{buyer.store.slug}",
        "today": get_state(request).clock.now().date(),
        **values,
    }


def unavailable(request: Request, buyer: Buyer, exc: ErpUnavailable, title: str) -> Response:
    """The calm page: a plain sentence and the reference code, never the ERP's own words."""
    return render(
        request,
        "storefront/unavailable.html",
        page_context(request, buyer, title=title, reference=exc.reference),
        status_code=503,
    )


def field_errors(exc: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in exc.errors()}


def query_values(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in LIST_FIELDS}


LIST_FIELDS = ("page", "page_size", "search", "status", "date_from", "date_to")


@router.get("/store/{slug}/")
async def home(request: Request, buyer: PageBuyer) -> Response:
    return render(request, "storefront/home.html", page_context(request, buyer))


@router.get("/store/{slug}")
async def home_no_slash(request: Request, buyer: PageBuyer) -> Response:
    return render(request, "storefront/home.html", page_context(request, buyer))


@router.get("/store/{slug}/orders")
async def orders(request: Request, db: DbSession, buyer: PageBuyer) -> Response:
    buyer.require("orders")
    values = query_values(request)
    try:
        query = ListQuery.model_validate(values)
    except ValidationError as exc:
        context = page_context(request, buyer, form=values, errors=field_errors(exc), listing=None)
        return render(request, "storefront/orders.html", context, status_code=422)
    try:
        listing = await service.list_orders(get_state(request), db, buyer, query)
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, "Your orders")
    context = page_context(
        request,
        buyer,
        form=values,
        errors={},
        listing=listing,
        stale_as_of=listing.stale_as_of,
        stale_reference=listing.reference,
    )
    return render(request, "storefront/orders.html", context)


@router.get("/store/{slug}/orders/{order_id}")
async def order_detail(
    request: Request, db: DbSession, buyer: PageBuyer, order_id: str
) -> Response:
    try:
        detail = await service.get_order(get_state(request), db, buyer, order_id)
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, "Order")
    return render(
        request,
        "storefront/order.html",
        page_context(
            request,
            buyer,
            detail=detail,
            stale_as_of=detail.stale_as_of,
            stale_reference=detail.reference,
        ),
    )


@router.get("/store/{slug}/invoices")
async def invoices(request: Request, db: DbSession, buyer: PageBuyer) -> Response:
    buyer.require("invoices")
    values = query_values(request)
    try:
        query = InvoiceQuery.model_validate(values)
    except ValidationError as exc:
        context = page_context(request, buyer, form=values, errors=field_errors(exc), listing=None)
        return render(request, "storefront/invoices.html", context, status_code=422)
    try:
        listing = await service.list_invoices(get_state(request), db, buyer, query)
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, "Your invoices")
    context = page_context(
        request,
        buyer,
        form=values,
        errors={},
        listing=listing,
        stale_as_of=listing.stale_as_of,
        stale_reference=listing.reference,
    )
    return render(request, "storefront/invoices.html", context)


@router.get("/store/{slug}/invoices/{invoice_id}")
async def invoice_detail(
    request: Request, db: DbSession, buyer: PageBuyer, invoice_id: str
) -> Response:
    try:
        detail = await service.get_invoice(get_state(request), db, buyer, invoice_id)
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, "Invoice")
    return render(
        request,
        "storefront/invoice.html",
        page_context(
            request,
            buyer,
            detail=detail,
            stale_as_of=detail.stale_as_of,
            stale_reference=detail.reference,
        ),
    )


@router.get("/store/{slug}/balance")
async def balance(request: Request, db: DbSession, buyer: PageBuyer) -> Response:
    try:
        detail = await service.get_balance(get_state(request), db, buyer)
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, "Account balance")
    chart = service.aging_chart(detail.value)
    context = page_context(
        request,
        buyer,
        detail=detail,
        chart=chart,
        stale_as_of=detail.stale_as_of,
        stale_reference=detail.reference,
    )
    return render(request, "storefront/balance.html", context)
