"""Integration health: the page with its 24 h charts and the same figures as JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal, check_csrf, require, require_api_write
from erpgate.admin.health import WINDOW_HOURS, EndpointHealth, integration_health
from erpgate.admin.roles import Capability
from erpgate.breaker import service as breaker_service
from erpgate.erp.endpoints import Endpoint
from erpgate.errors import Conflict, ValidationFailed
from erpgate.integration.service import load_live_integration
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter()

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Handler = Annotated[AdminPrincipal, require(Capability.HANDLE_PROBLEMS)]
BreakerOperator = Annotated[AdminPrincipal, require_api_write(Capability.HANDLE_PROBLEMS)]


def _json(item: EndpointHealth) -> dict[str, Any]:
    return {
        "endpoint": item.endpoint.value,
        "label": item.endpoint.label,
        "enabled": item.enabled,
        "breaker": item.breaker,
        "breaker_changed_at": (
            item.breaker_changed_at.isoformat() if item.breaker_changed_at else None
        ),
        "breaker_changed_by": item.breaker_changed_by or None,
        "last_success_at": item.last_success_at.isoformat() if item.last_success_at else None,
        "last_error_at": item.last_error_at.isoformat() if item.last_error_at else None,
        "last_error": item.last_error or None,
        "last_error_trace_id": item.last_error_trace_id,
        "calls_24h": item.calls,
        "errors_24h": item.errors,
        "error_rate_24h": round(item.error_rate, 4),
        "p95_ms_24h": round(item.p95_ms, 1) if item.p95_ms is not None else None,
        "hours": [
            {
                "start": hour.start.isoformat(),
                "calls": hour.calls,
                "errors": hour.errors,
                "error_rate": round(hour.error_rate, 4),
                "p95_ms": round(hour.p95_ms, 1) if hour.p95_ms is not None else None,
            }
            for hour in item.hours
        ],
        "events_url": f"/admin/events?endpoint={item.endpoint.value}",
        "errors_url": f"/admin/events?endpoint={item.endpoint.value}&outcome=error",
    }


@router.get("/api/v1/admin/health", tags=["admin"])
async def health_api(request: Request, db: DbSession, principal: Viewer) -> dict[str, Any]:
    """Per endpoint: on/off, breaker, last success and error, error rate and p95 over 24 h."""
    report = await _health(request, db, principal)
    return {"window_hours": WINDOW_HOURS, "endpoints": [_json(item) for item in report]}


class BreakerAction(BaseModel):
    action: Literal["reset", "force_open"]


@router.post("/api/v1/admin/health/{endpoint}/breaker", tags=["admin"])
async def breaker_api(
    endpoint: Endpoint,
    body: BreakerAction,
    request: Request,
    db: DbSession,
    principal: BreakerOperator,
) -> dict[str, Any]:
    """Reset (calls go out again) or force open (every call refused, no probe, until a reset) an
    endpoint's circuit breaker, on every instance within a few seconds; audited."""
    return await _operate(request, db, principal, endpoint, body.action)


@router.post("/admin/health/{endpoint}/breaker", include_in_schema=False)
async def breaker_form(
    endpoint: Endpoint,
    request: Request,
    db: DbSession,
    principal: Handler,
    action: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    if action not in ("reset", "force_open"):
        raise ValidationFailed(
            "Choose reset or force open.", fields={"action": "reset or force_open"}
        )
    await _operate(request, db, principal, endpoint, action)  # type: ignore[arg-type]
    return RedirectResponse(f"/admin/health#health-{endpoint.value}", status_code=303)


async def _operate(
    request: Request,
    db: DbSession,
    principal: AdminPrincipal,
    endpoint: Endpoint,
    action: Literal["reset", "force_open"],
) -> dict[str, Any]:
    state = get_state(request)
    live = await load_live_integration(
        db, principal.store_id, state.secret_box, state.gateway.options
    )
    target = live.target(endpoint)
    if target is None:
        raise Conflict(
            f"The {endpoint.label} is not configured: there is no breaker to "
            f"{'reset' if action == 'reset' else 'force open'}."
        )
    now = state.clock.now()
    await breaker_service.operate(
        db,
        state.gateway.breakers,
        principal.store_id,
        endpoint,
        action,
        store_slug=target.store_slug,
        admin_email=principal.admin.email,
        now=now,
    )
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.BREAKER_RESET if action == "reset" else audit.BREAKER_FORCED_OPEN,
        now=now,
        subject=endpoint.value,
    )
    await db.commit()  # applied on this instance once stored (the others follow at their sync)
    view = breaker_service.view(state.gateway.breakers, principal.store_id, endpoint)
    return {
        "endpoint": endpoint.value,
        "breaker": view.state,
        "breaker_changed_at": view.changed_at.isoformat() if view.changed_at else None,
        "breaker_changed_by": view.changed_by or None,
    }


@router.get("/admin/health", include_in_schema=False)
async def health_page(request: Request, db: DbSession, principal: Viewer) -> Response:
    report = await _health(request, db, principal)
    max_p95 = max((h.p95_ms or 0.0 for item in report for h in item.hours), default=0.0)
    return render(
        request,
        "admin/health.html",
        {
            "principal": principal,
            "report": report,
            "window_hours": WINDOW_HOURS,
            "max_p95": max_p95 or 1.0,
            "can_operate": principal.can(Capability.HANDLE_PROBLEMS),
        },
    )


async def _health(
    request: Request, db: DbSession, principal: AdminPrincipal
) -> list[EndpointHealth]:
    state = get_state(request)
    return await integration_health(
        state.gateway, state.secret_box, state.clock.now(), db, principal.store_id
    )
