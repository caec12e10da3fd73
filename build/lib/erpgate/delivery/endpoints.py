"""Admin › Developers › Deliveries: placed orders on their way to the ERP; retry and cancel
(pages and JSON)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal, check_csrf, require, require_api_write
from erpgate.admin.roles import Capability
from erpgate.db.engine import after_commit
from erpgate.delivery import service
from erpgate.delivery.lifecycle import delivery_worker
from erpgate.delivery.schemas import DeliveriesPage, DeliveryDetailOut, DeliveryOut, request_of
from erpgate.errors import ValidationFailed
from erpgate.integration.service import load_live_integration
from erpgate.models.order_delivery import STATES, OrderDelivery
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import FilterText, PageNumber, SearchText
from erpgate.web.responses import model_response
from erpgate.web.state import get_state

router = APIRouter()
PAGE_SIZE = 50
Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
# Sending an order again, or withdrawing it, acts on the ERP as a replay does: the same roles.
Operator = Annotated[AdminPrincipal, require(Capability.REPLAY)]
ApiOperator = Annotated[AdminPrincipal, require_api_write(Capability.REPLAY)]
Page = Annotated[PageNumber, Query()]


class DeliveryQuery:
    def __init__(self, state: str | None, q: str | None) -> None:
        self.state = state
        self.q = q

    @property
    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("state", self.state), ("q", self.q)) if v}


def _query(
    state: Annotated[FilterText | None, Query()] = None,
    q: Annotated[SearchText | None, Query()] = None,
) -> DeliveryQuery:
    if state and state not in STATES:
        raise ValidationFailed(
            "Some filters are not valid.", fields={"state": f"One of {', '.join(STATES)}."}
        )
    return DeliveryQuery(state or None, (q or "").strip() or None)


Filters = Annotated[DeliveryQuery, Depends(_query)]


async def _page(
    db: DbSession, principal: AdminPrincipal, query: DeliveryQuery, page: int
) -> tuple[list[OrderDelivery], bool]:
    return await service.list_deliveries(
        db,
        principal.store_id,
        states=[query.state] if query.state else None,
        search=query.q,
        page=page,
        page_size=PAGE_SIZE,
    )


@router.get("/admin/deliveries", include_in_schema=False)
async def deliveries_page(
    request: Request, db: DbSession, principal: Viewer, query: Filters, page: Page = 1
) -> Response:
    rows, has_next = await _page(db, principal, query, page)
    return render(
        request,
        "delivery/deliveries.html",
        {
            "principal": principal,
            "rows": rows,
            "query": query,
            "params": query.params,
            "page": page,
            "has_next": has_next,
            "states": STATES,
            "counts": await service.counts(db, principal.store_id),
        },
    )


@router.get("/admin/deliveries/{delivery_id}", include_in_schema=False)
async def delivery_page(
    request: Request, db: DbSession, principal: Viewer, delivery_id: uuid.UUID
) -> Response:
    row = await service.get_delivery(db, principal.store_id, delivery_id)
    return render(
        request,
        "delivery/delivery.html",
        {
            "principal": principal,
            "row": row,
            "request_body": request_of(row),
            "can_operate": principal.can(Capability.REPLAY),
        },
    )


@router.post("/admin/deliveries/{delivery_id}/retry", include_in_schema=False)
async def retry_form(
    request: Request,
    db: DbSession,
    principal: Operator,
    delivery_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _retry(request, db, principal, delivery_id)
    return RedirectResponse(f"/admin/deliveries/{delivery_id}", status_code=303)


@router.post("/admin/deliveries/{delivery_id}/cancel", include_in_schema=False)
async def cancel_form(
    request: Request,
    db: DbSession,
    principal: Operator,
    delivery_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _cancel(request, db, principal, delivery_id)
    return RedirectResponse(f"/admin/deliveries/{delivery_id}", status_code=303)


@router.get("/api/v1/admin/deliveries", response_model=DeliveriesPage)
async def list_deliveries_api(
    db: DbSession, principal: Viewer, query: Filters, page: Page = 1
) -> Response:
    """The store's placed orders on their way to the ERP, newest first; filter ``state``; ``q``
    searches the order number, customer code and the ERP's order number."""
    rows, has_next = await _page(db, principal, query, page)
    items = [DeliveryOut.of(row) for row in rows]
    return model_response(DeliveriesPage(items=items, page=page, has_next=has_next))


@router.get("/api/v1/admin/deliveries/{delivery_id}", response_model=DeliveryDetailOut)
async def get_delivery_api(db: DbSession, principal: Viewer, delivery_id: uuid.UUID) -> Response:
    """One delivery with the ERP's reasons and the request it sends."""
    row = await service.get_delivery(db, principal.store_id, delivery_id)
    return model_response(DeliveryDetailOut.of(row))


@router.post("/api/v1/admin/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
async def retry_api(
    request: Request, db: DbSession, principal: ApiOperator, delivery_id: uuid.UUID
) -> Response:
    """Send it again now with a fresh retry window (queued, failed, rejected or cancelled; the
    same Idempotency-Key). 409 while a worker is sending it, or once sent. X-CSRF-Token."""
    return model_response(DeliveryOut.of(await _retry(request, db, principal, delivery_id)))


@router.post("/api/v1/admin/deliveries/{delivery_id}/cancel", response_model=DeliveryOut)
async def cancel_api(
    request: Request, db: DbSession, principal: ApiOperator, delivery_id: uuid.UUID
) -> Response:
    """Stop sending it (queued or failed); the order stays placed here. 409 otherwise.
    X-CSRF-Token."""
    return model_response(DeliveryOut.of(await _cancel(request, db, principal, delivery_id)))


async def _retry(
    request: Request, db: DbSession, principal: AdminPrincipal, delivery_id: uuid.UUID
) -> OrderDelivery:
    state = get_state(request)
    live = await load_live_integration(
        db, principal.store_id, state.secret_box, state.gateway.options
    )
    now = state.clock.now()
    before = (await service.get_delivery(db, principal.store_id, delivery_id)).state
    row = await service.retry(
        db, principal.store_id, delivery_id, retry_hours=live.order_retry_hours, now=now
    )
    await _audit(db, principal, row, audit.ORDER_DELIVERY_RETRIED, before, now=now)
    worker = delivery_worker(state)
    if worker is not None:
        # This process's worker looks once the retry is committed, not at its next poll.
        after_commit(db, worker.wake)
    return row


async def _cancel(
    request: Request, db: DbSession, principal: AdminPrincipal, delivery_id: uuid.UUID
) -> OrderDelivery:
    now = get_state(request).clock.now()
    before = (await service.get_delivery(db, principal.store_id, delivery_id)).state
    row = await service.cancel(db, principal.store_id, delivery_id, now=now)
    await _audit(db, principal, row, audit.ORDER_DELIVERY_CANCELLED, before, now=now)
    return row


async def _audit(
    db: DbSession,
    principal: AdminPrincipal,
    row: OrderDelivery,
    action: str,
    before: str,
    *,
    now: datetime,
) -> None:
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=action,
        now=now,
        subject=f"order {row.order_number} ({row.customer_code})",
        details={"delivery_id": str(row.id), "from_state": before, "to_state": row.state},
    )
