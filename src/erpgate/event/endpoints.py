"""Admin › Developers › Events: the list, an event, a related request, and replay."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin.deps import AdminPrincipal, check_api_csrf, check_csrf, require
from erpgate.admin.roles import Capability
from erpgate.erp.endpoints import Endpoint
from erpgate.event import service
from erpgate.event.schemas import event_json, request_json, request_summary_json, request_view
from erpgate.event.service import OUTCOMES, EventQuery
from erpgate.integration.service import load_live_integration
from erpgate.models.event import Event
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import PageNumber
from erpgate.web.responses import JsonResponse
from erpgate.web.state import get_state

router = APIRouter()
PAGE_SIZE = 50
Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Replayer = Annotated[AdminPrincipal, require(Capability.REPLAY)]
Page = Annotated[PageNumber, Query()]


def _query(
    type: str | None = None,
    outcome: str | None = None,
    customer: str | None = None,
    user: str | None = None,
    since: str | None = None,
    until: str | None = None,
    q: str | None = None,
    problem: str | None = None,
    endpoint: str | None = None,
) -> EventQuery:
    return EventQuery(
        type=type,
        outcome=outcome,
        customer=customer,
        user=user,
        since=since,
        until=until,
        q=q,
        problem=problem,
        endpoint=endpoint,
    )


Filters = Annotated[EventQuery, Depends(_query)]


def _writer_counts(request: Request) -> dict[str, int]:
    # The writer belongs to the outcomes domain above this one: read by name, not imported.
    writer = get_state(request).services.get("outcome_writer")
    return {"outcomes_dropped": int(getattr(writer, "dropped", 0))}


@router.get("/admin/events", include_in_schema=False)
async def events_page(
    request: Request,
    db: DbSession,
    principal: Viewer,
    query: Filters,
    page: Page = 1,
) -> Response:
    events, has_next = await service.list_events(
        db, principal.store_id, query, page=page, page_size=PAGE_SIZE
    )
    params = {k: v for k, v in asdict(query).items() if v}
    return render(
        request,
        "event/events.html",
        {
            "principal": principal,
            "events": events,
            "query": query,
            "params": params,
            "page": page,
            "has_next": has_next,
            "types": await service.event_types(db, principal.store_id),
            "outcomes": OUTCOMES,
            "endpoints": [(e.value, e.label) for e in Endpoint],
            **_writer_counts(request),
        },
    )


@router.get("/admin/events/{event_id}", include_in_schema=False)
async def event_page(
    request: Request, db: DbSession, principal: Viewer, event_id: uuid.UUID
) -> Response:
    event, requests = await service.get_event(db, principal.store_id, event_id)
    return render(
        request,
        "event/event.html",
        {"principal": principal, "event": event, "requests": requests},
    )


@router.get("/admin/requests/{request_id}", include_in_schema=False)
async def request_page(
    request: Request, db: DbSession, principal: Viewer, request_id: uuid.UUID
) -> Response:
    row, event = await service.get_request(db, principal.store_id, request_id)
    return render(
        request,
        "event/request.html",
        {
            "principal": principal,
            "row": row,
            "event": event,
            "can_replay": principal.can(Capability.REPLAY),
            **request_view(row),
        },
    )


@router.post("/admin/requests/{request_id}/replay", include_in_schema=False)
async def replay_form(
    request: Request,
    db: DbSession,
    principal: Replayer,
    request_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    event = await _replay(request, db, principal, request_id)
    return RedirectResponse(f"/admin/events/{event.id}", status_code=303)


@router.get("/api/v1/admin/events")
async def list_events_api(
    db: DbSession,
    principal: Viewer,
    query: Filters,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
) -> JsonResponse:
    """List the store's ERP events, newest first, filtered by type, endpoint, outcome, customer, user, dates or trace id."""
    events, has_next = await service.list_events(
        db, principal.store_id, query, page=page, page_size=page_size
    )
    return JsonResponse(
        {"items": [event_json(e) for e in events], "page": page, "has_next": has_next}
    )


@router.get("/api/v1/admin/events/{event_id}")
async def get_event_api(db: DbSession, principal: Viewer, event_id: uuid.UUID) -> JsonResponse:
    """One event with its event data and its related requests (which may arrive a moment later)."""
    event, requests = await service.get_event(db, principal.store_id, event_id)
    body: dict[str, Any] = event_json(event)
    body["related_requests"] = [request_summary_json(r) for r in requests]
    return JsonResponse(body)


@router.get("/api/v1/admin/requests/{request_id}")
async def get_request_api(db: DbSession, principal: Viewer, request_id: uuid.UUID) -> JsonResponse:
    """One related request: masked headers, bodies, status, error and a masked curl command."""
    row, event = await service.get_request(db, principal.store_id, request_id)
    body = request_json(row)
    body["event_id"] = str(event.id) if event else None
    return JsonResponse(body)


@router.post("/api/v1/admin/requests/{request_id}/replay")
async def replay_api(
    request: Request, db: DbSession, principal: Replayer, request_id: uuid.UUID
) -> JsonResponse:
    """Re-send a request with the current URL and credentials; answers with the new event."""
    check_api_csrf(principal, request)
    event = await _replay(request, db, principal, request_id)
    return JsonResponse(event_json(event), status_code=201)


async def _replay(
    request: Request, db: DbSession, principal: AdminPrincipal, request_id: uuid.UUID
) -> Event:
    state = get_state(request)
    live = await load_live_integration(
        db, principal.store_id, state.secret_box, state.gateway.options
    )
    return await service.replay_request(state.gateway, state.session_factory, db, live, request_id)
