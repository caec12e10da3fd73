"""Admin › Developers › Problems: the list, a problem, acknowledge and resolve (pages and JSON)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal, check_api_csrf, check_csrf, require
from erpgate.admin.roles import Capability
from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.event import service as event_service
from erpgate.event.service import EventQuery
from erpgate.models.problem import STATES, Problem
from erpgate.problem import service
from erpgate.problem.schemas import ProblemOut, ProblemsPage
from erpgate.problem.service import ProblemPolicy, ProblemQuery
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import FilterText, PageNumber, SearchText
from erpgate.web.responses import model_response
from erpgate.web.state import get_state

router = APIRouter()
PAGE_SIZE = 50
Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Handler = Annotated[AdminPrincipal, require(Capability.HANDLE_PROBLEMS)]
Page = Annotated[PageNumber, Query()]


def _query(
    state: Annotated[FilterText | None, Query()] = None,
    endpoint: Annotated[FilterText | None, Query()] = None,
    q: Annotated[SearchText | None, Query()] = None,
) -> ProblemQuery:
    fields = {}
    if state and state not in STATES:
        fields["state"] = f"One of {', '.join(STATES)}."
    if endpoint and endpoint not in {e.value for e in Endpoint}:
        fields["endpoint"] = "One of " + ", ".join(e.value for e in Endpoint) + "."
    if fields:
        raise ValidationFailed("Some filters are not valid.", fields=fields)
    return ProblemQuery(state=state or None, endpoint=endpoint or None, q=(q or "").strip() or None)


Filters = Annotated[ProblemQuery, Depends(_query)]


def _policy(request: Request) -> ProblemPolicy:
    return ProblemPolicy.from_settings(get_state(request).settings)


def _now(request: Request) -> datetime:
    return get_state(request).clock.now()


@router.get("/admin/problems", include_in_schema=False)
async def problems_page(
    request: Request, db: DbSession, principal: Viewer, query: Filters, page: Page = 1
) -> Response:
    found, has_next = await service.list_problems(
        db, principal.store_id, query, page=page, page_size=PAGE_SIZE
    )
    params = {
        k: v for k, v in (("state", query.state), ("endpoint", query.endpoint), ("q", query.q)) if v
    }
    return render(
        request,
        "problem/problems.html",
        {
            "principal": principal,
            "found": found,
            "query": query,
            "params": params,
            "page": page,
            "has_next": has_next,
            "states": STATES,
            "endpoints": [(e.value, e.label) for e in Endpoint],
        },
    )


@router.get("/admin/problems/{problem_id}", include_in_schema=False)
async def problem_page(
    request: Request, db: DbSession, principal: Viewer, problem_id: uuid.UUID
) -> Response:
    problem = await service.get_problem(db, principal.store_id, problem_id)
    events, _more = await event_service.list_events(
        db, principal.store_id, EventQuery(problem=str(problem.id)), page=1, page_size=20
    )
    return render(
        request,
        "problem/problem.html",
        {
            "principal": principal,
            "problem": problem,
            "events": events,
            "customers": await service.customer_codes(db, problem),
            "can_handle": principal.can(Capability.HANDLE_PROBLEMS),
            "label": Endpoint(problem.endpoint).label,
        },
    )


@router.post("/admin/problems/{problem_id}/acknowledge", include_in_schema=False)
async def acknowledge_form(
    request: Request,
    db: DbSession,
    principal: Handler,
    problem_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _acknowledge(request, db, principal, problem_id)
    return RedirectResponse(f"/admin/problems/{problem_id}", status_code=303)


@router.post("/admin/problems/{problem_id}/resolve", include_in_schema=False)
async def resolve_form(
    request: Request,
    db: DbSession,
    principal: Handler,
    problem_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _resolve(request, db, principal, problem_id)
    return RedirectResponse(f"/admin/problems/{problem_id}", status_code=303)


@router.get("/api/v1/admin/problems", response_model=ProblemsPage)
async def list_problems_api(
    db: DbSession, principal: Viewer, query: Filters, page: Page = 1
) -> Response:
    """The store's problems, open first; filters ``state``, ``endpoint``; ``q`` takes a buyer's
    reference (answers its problem and when it happened), a problem code or a customer code."""
    found, has_next = await service.list_problems(
        db, principal.store_id, query, page=page, page_size=PAGE_SIZE
    )
    items = [ProblemOut.of(f.problem, f.occurred_at) for f in found]
    return model_response(ProblemsPage(items=items, page=page, has_next=has_next))


@router.get("/api/v1/admin/problems/{problem_id}", response_model=ProblemOut)
async def get_problem_api(db: DbSession, principal: Viewer, problem_id: uuid.UUID) -> Response:
    """One problem with its counts and sample events."""
    problem = await service.get_problem(db, principal.store_id, problem_id)
    return model_response(ProblemOut.of(problem))


@router.post("/api/v1/admin/problems/{problem_id}/acknowledge", response_model=ProblemOut)
async def acknowledge_api(
    request: Request, db: DbSession, principal: Handler, problem_id: uuid.UUID
) -> Response:
    """Acknowledge: someone is on it; reminders stop until it resolves. X-CSRF-Token required."""
    check_api_csrf(principal, request)
    return model_response(ProblemOut.of(await _acknowledge(request, db, principal, problem_id)))


@router.post("/api/v1/admin/problems/{problem_id}/resolve", response_model=ProblemOut)
async def resolve_api(
    request: Request, db: DbSession, principal: Handler, problem_id: uuid.UUID
) -> Response:
    """Mark resolved (its next failure reopens it); sends the resolved e-mail. X-CSRF-Token."""
    check_api_csrf(principal, request)
    return model_response(ProblemOut.of(await _resolve(request, db, principal, problem_id)))


async def _acknowledge(
    request: Request, db: DbSession, principal: AdminPrincipal, problem_id: uuid.UUID
) -> Problem:
    now = _now(request)
    problem = await service.acknowledge(db, principal.store_id, problem_id, principal.admin.id, now)
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.PROBLEM_ACKNOWLEDGED,
        now=now,
        subject=f"{problem.code} {problem.endpoint} {problem.kind}",
    )
    return problem


async def _resolve(
    request: Request, db: DbSession, principal: AdminPrincipal, problem_id: uuid.UUID
) -> Problem:
    now = _now(request)
    problem = await service.resolve(
        db, principal.store_id, problem_id, principal.admin.email, now=now, policy=_policy(request)
    )
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.PROBLEM_RESOLVED,
        now=now,
        subject=f"{problem.code} {problem.endpoint} {problem.kind}",
    )
    return problem
