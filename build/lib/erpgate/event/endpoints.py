"""Admin › Developers › Events: the list, an event, a related request, replay and fixtures."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from erpgate.admin import audit
from erpgate.admin.deps import (
    AdminPrincipal,
    check_api_csrf,
    check_csrf,
    require,
    require_api_write,
)
from erpgate.admin.roles import Capability
from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.event import fixtures, service
from erpgate.event.schemas import event_json, request_json, request_summary_json, request_view
from erpgate.event.service import MAX_BULK_REPLAY, OUTCOMES, BulkReplay, EventQuery
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
ApiReplayer = Annotated[AdminPrincipal, require_api_write(Capability.REPLAY)]
ApiViewerPost = Annotated[AdminPrincipal, require_api_write(Capability.VIEW)]
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


def _form_query(
    type: Annotated[str | None, Form()] = None,
    endpoint: Annotated[str | None, Form()] = None,
    customer: Annotated[str | None, Form()] = None,
    user: Annotated[str | None, Form()] = None,
    since: Annotated[str | None, Form()] = None,
    until: Annotated[str | None, Form()] = None,
    q: Annotated[str | None, Form()] = None,
    problem: Annotated[str | None, Form()] = None,
) -> EventQuery:
    return _query(type, "error", customer, user, since, until, q, problem, endpoint)


FormFilters = Annotated[EventQuery, Depends(_form_query)]


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
            "can_replay": principal.can(Capability.REPLAY),
            "max_replay": MAX_BULK_REPLAY,
            "max_fixtures": fixtures.MAX_FIXTURES,
            **_writer_counts(request),
        },
    )


@router.get("/admin/events/{event_id}", include_in_schema=False)
async def event_page(
    request: Request, db: DbSession, principal: Viewer, event_id: uuid.UUID
) -> Response:
    event, requests = await service.get_event(db, principal.store_id, event_id)
    people = await service.event_people(db, principal.store_id, event)
    rate = get_state(request).settings.success_requests_sample_rate
    return render(
        request,
        "event/event.html",
        {
            "principal": principal,
            "event": event,
            "requests": requests,
            "exportable": {r.id for r in requests if fixtures.exportable(r)},
            "people": people,
            "success_requests_share": service.share_in_words(rate),
        },
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


class BulkReplayIn(BaseModel):
    """The events list's filters (the outcome is always error) and how many to replay."""

    type: str | None = Field(default=None, max_length=100)
    endpoint: str | None = Field(default=None, max_length=100)
    customer: str | None = Field(default=None, max_length=100)
    user: str | None = Field(default=None, max_length=320)
    since: str | None = Field(default=None, max_length=20)
    until: str | None = Field(default=None, max_length=20)
    q: str | None = Field(default=None, max_length=100)
    problem: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=MAX_BULK_REPLAY, ge=1, le=MAX_BULK_REPLAY)


@router.post("/api/v1/admin/events/replay")
async def bulk_replay_api(
    body: BulkReplayIn, request: Request, db: DbSession, principal: ApiReplayer
) -> JsonResponse:
    """Replay the failed events the filters select (at most 100, newest first, paced so the ERP
    is not flooded; stops if the breaker refuses); answers each one's result. Audited."""
    query = EventQuery(**body.model_dump(exclude={"limit"}))
    report = await _bulk_replay(request, db, principal, query, body.limit)
    return JsonResponse(bulk_json(report))


@router.post("/admin/events/replay", include_in_schema=False)
async def bulk_replay_form(
    request: Request,
    db: DbSession,
    principal: Replayer,
    query: FormFilters,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    report = await _bulk_replay(request, db, principal, query, MAX_BULK_REPLAY)
    return render(
        request,
        "event/replayed.html",
        {"principal": principal, "report": report, "summary": bulk_json(report)["summary"]},
    )


def bulk_json(report: BulkReplay) -> dict[str, Any]:
    return {
        "summary": {
            "replayed": sum(1 for r in report.results if r.outcome != "skipped"),
            "succeeded": report.count("success"),
            "not_found": report.count("not_found"),
            "failed": report.count("error"),
            "skipped": report.count("skipped"),
            "stopped": report.stopped,
        },
        "items": [
            {
                "event_id": str(item.event.id),
                "outcome": item.outcome,
                "detail": item.detail or None,
                "new_event_id": str(item.new_event_id) if item.new_event_id else None,
            }
            for item in report.results
        ],
    }


async def _bulk_replay(
    request: Request, db: DbSession, principal: AdminPrincipal, query: EventQuery, limit: int
) -> BulkReplay:
    state = get_state(request)
    live = await load_live_integration(
        db, principal.store_id, state.secret_box, state.gateway.options
    )
    # Recorded first, in this request's transaction: committed when the answer goes out.
    report = await service.replay_failed_events(
        state.gateway,
        state.session_factory,
        db,
        live,
        query,
        limit=limit,
        pause_seconds=state.settings.replay_interval_seconds,
    )
    summary = bulk_json(report)["summary"]
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.EVENTS_REPLAYED,
        now=state.clock.now(),
        subject=f"{summary['replayed']} failed event(s)",
        details={"filters": {k: v for k, v in asdict(query).items() if v}, **summary},
    )
    return report


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


class FixturesIn(BaseModel):
    """Related requests to export, and events whose successful JSON answers to export."""

    related_request_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    event_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


@router.post("/api/v1/admin/events/fixtures")
async def export_fixtures_api(
    body: FixturesIn, request: Request, db: DbSession, principal: ApiViewerPost
) -> Response:
    """Download the chosen related requests (at most 100) as an erpgate-fixtures/1 file for
    `erpgate check-erp --fixtures`; bodies as stored, already masked. Audited."""
    return await _fixtures_download(
        request, db, principal, body.related_request_ids, body.event_ids
    )


@router.post("/admin/events/fixtures", include_in_schema=False)
async def export_fixtures_form(
    request: Request,
    db: DbSession,
    principal: Viewer,
    csrf_token: Annotated[str, Form()] = "",
    request_id: Annotated[list[str] | None, Form()] = None,
    event_id: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(principal, csrf_token)
    return await _fixtures_download(
        request, db, principal, _ids(request_id, "request_id"), _ids(event_id, "event_id")
    )


def _ids(values: list[str] | None, field: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(value) for value in values or []]
    except ValueError:
        raise ValidationFailed("Some ids are not valid.", fields={field: "Not an id."}) from None


async def _fixtures_download(
    request: Request,
    db: DbSession,
    principal: AdminPrincipal,
    request_ids: list[uuid.UUID],
    event_ids: list[uuid.UUID],
) -> Response:
    export = await fixtures.export_fixtures(
        db, principal.store_id, request_ids=request_ids, event_ids=event_ids
    )
    now = get_state(request).clock.now()
    # ERP answers (customer data) leaving the console: who took them is on record.
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.EVENT_FIXTURES_EXPORTED,
        now=now,
        subject=f"{export.count} fixture(s)",
        details={
            "related_requests": len(request_ids),
            "events": len(event_ids),
            "fixtures": export.count,
        },
    )
    name = f"erpgate-fixtures-{now:%Y-%m-%d}.json"
    return Response(
        orjson.dumps(export.document, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
