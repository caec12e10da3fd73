"""Integration health: the page with its 24 h charts and the same figures as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpgate.admin.deps import AdminPrincipal, require
from erpgate.admin.health import WINDOW_HOURS, EndpointHealth, integration_health
from erpgate.admin.roles import Capability
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter()

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]


def _json(item: EndpointHealth) -> dict[str, Any]:
    return {
        "endpoint": item.endpoint.value,
        "label": item.endpoint.label,
        "enabled": item.enabled,
        "breaker": item.breaker,
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
        },
    )


async def _health(
    request: Request, db: DbSession, principal: AdminPrincipal
) -> list[EndpointHealth]:
    state = get_state(request)
    return await integration_health(
        state.gateway, state.secret_box, state.clock.now(), db, principal.store_id
    )
