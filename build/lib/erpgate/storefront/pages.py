"""Buyer pages: orders, invoices and balance, server-rendered, working without JavaScript."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from erpgate.errors import ErpUnavailable
from erpgate.storefront import service
from erpgate.storefront.buyers import Buyer
from erpgate.storefront.deps import PageBuyer, erp_reads, store_and_buyer, storefront_slug
from erpgate.storefront.schemas import InvoiceQuery, ListQuery
from erpgate.web.pages import render
from erpgate.web.state import get_state
from erpgate.web.validation import human_message

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


async def error_page_context(request: Request) -> dict[str, Any] | None:
    """An error page under /store/{slug}/ keeps the store's header and navigation and leads back
    into the store: to its start page for a signed-in buyer, to its sign-in for a visitor. None
    elsewhere and for a store that does not exist (a plain page then)."""
    slug = storefront_slug(request.url.path)
    if slug is None:
        return None
    store, buyer = await store_and_buyer(request, slug)
    if store is None:
        return None
    base = f"/store/{store.slug}"
    layout = {"error_layout": "storefront/layout.html"}
    if buyer is None:
        visitor: dict[str, Any] = {"store": store, "buyer": None, "modules": [], "base": base}
        return {
            **visitor,
            **layout,
            "back_url": f"{base}/login",
            "back_label": "Sign in to the store",
        }
    back = {"back_url": f"{base}/", "back_label": "Back to the store"}
    return {**page_context(request, buyer), **layout, **back}


def read_context(
    request: Request,
    buyer: Buyer,
    read: service.Listing[Any] | service.Detail[Any],
    **values: Any,
) -> dict[str, Any]:
    """The page context for an ERP read, with the banner's time and reference when it is stale."""
    return page_context(
        request, buyer, stale_as_of=read.stale_as_of, stale_reference=read.reference, **values
    )


def unavailable(request: Request, buyer: Buyer, exc: ErpUnavailable, title: str) -> Response:
    """The calm page: a plain sentence and the reference code, never the ERP's own words."""
    return render(
        request,
        "storefront/unavailable.html",
        page_context(request, buyer, title=title, reference=exc.reference),
        status_code=503,
    )


def field_errors(exc: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]) if e["loc"] else "form": human_message(e) for e in exc.errors()}


def query_values(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in LIST_FIELDS}


LIST_FIELDS = ("page", "page_size", "search", "status", "date_from", "date_to")


QueryT = TypeVar("QueryT", bound=ListQuery)
ListLoader = Callable[[QueryT], Awaitable[service.Listing[Any]]]


async def _list_page(
    request: Request,
    buyer: Buyer,
    query_type: type[QueryT],
    load: ListLoader[QueryT],
    *,
    template: str,
    title: str,
) -> Response:
    """A list page: the filters are validated before any ERP call and shown again with errors."""
    values = query_values(request)
    try:
        query = query_type.model_validate(values)
    except ValidationError as exc:
        context = page_context(request, buyer, form=values, errors=field_errors(exc), listing=None)
        return render(request, template, context, status_code=422)
    try:
        listing = await load(query)
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, title)
    context = read_context(request, buyer, listing, form=values, errors={}, listing=listing)
    return render(request, template, context)


async def _detail_page(
    request: Request,
    buyer: Buyer,
    load: Awaitable[service.Detail[Any]],
    *,
    template: str,
    title: str,
    **values: Any,
) -> Response:
    """One order or invoice, or the calm page when the ERP is down and no recent answer is saved."""
    try:
        detail = await load
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, title)
    context = read_context(request, buyer, detail, detail=detail, **values)
    return render(request, template, context)


@router.get("/store/{slug}/")
async def home(request: Request, buyer: PageBuyer) -> Response:
    return render(request, "storefront/home.html", page_context(request, buyer))


@router.get("/store/{slug}")
async def home_no_slash(request: Request, buyer: PageBuyer) -> Response:
    return render(request, "storefront/home.html", page_context(request, buyer))


@router.get("/store/{slug}/orders")
async def orders(request: Request, buyer: PageBuyer) -> Response:
    buyer.require("orders")
    reads, state = erp_reads(request), get_state(request)
    cache_seconds = state.settings.buyer_cache_seconds
    return await _list_page(
        request,
        buyer,
        ListQuery,
        lambda query: service.list_orders(
            reads, state.session_factory, buyer, query, cache_seconds=cache_seconds
        ),
        template="storefront/orders.html",
        title="Your orders",
    )


@router.get("/store/{slug}/orders/{order_id}")
async def order_detail(request: Request, buyer: PageBuyer, order_id: str) -> Response:
    return await _detail_page(
        request,
        buyer,
        service.get_order(erp_reads(request), buyer, order_id),
        template="storefront/order.html",
        title="Order",
    )


@router.get("/store/{slug}/invoices")
async def invoices(request: Request, buyer: PageBuyer) -> Response:
    buyer.require("invoices")
    reads = erp_reads(request)
    return await _list_page(
        request,
        buyer,
        InvoiceQuery,
        lambda query: service.list_invoices(reads, buyer, query),
        template="storefront/invoices.html",
        title="Your invoices",
    )


@router.get("/store/{slug}/invoices/{invoice_id}")
async def invoice_detail(request: Request, buyer: PageBuyer, invoice_id: str) -> Response:
    return await _detail_page(
        request,
        buyer,
        service.get_invoice(erp_reads(request), buyer, invoice_id),
        template="storefront/invoice.html",
        title="Invoice",
        order_links=service.opens_orders(buyer),
    )


@router.get("/store/{slug}/balance")
async def balance(request: Request, buyer: PageBuyer) -> Response:
    try:
        detail = await service.get_balance(erp_reads(request), buyer)
    except ErpUnavailable as exc:
        return unavailable(request, buyer, exc, "Account balance")
    chart = service.aging_chart(detail.value)
    context = read_context(request, buyer, detail, detail=detail, chart=chart)
    return render(request, "storefront/balance.html", context)
