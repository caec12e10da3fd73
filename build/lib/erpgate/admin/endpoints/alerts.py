"""Admin › Alert routes: webhooks that receive the store's problem alerts besides e-mail."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal, check_csrf, require, require_api_write
from erpgate.admin.roles import Capability
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.ssrf import check_url
from erpgate.errors import ValidationFailed
from erpgate.models.alert_route import AlertRoute
from erpgate.notification import service as notification_service
from erpgate.notification import webhooks
from erpgate.store import service as store_service
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter()
PAGE = "/admin/alerts"
Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Configurer = Annotated[AdminPrincipal, require(Capability.CONFIGURE)]
ApiConfigurer = Annotated[AdminPrincipal, require_api_write(Capability.CONFIGURE)]


class RouteIn(BaseModel):
    name: str = Field(max_length=1000)
    url: str = Field(max_length=10_000)


def route_json(route: AlertRoute) -> dict[str, Any]:
    return {
        "id": str(route.id),
        "kind": route.kind,
        "name": route.name,
        "url": route.url_shown,  # the URL's token is never shown
        "enabled": route.enabled,
        "created_at": route.created_at.isoformat(),
    }


@router.get(PAGE, include_in_schema=False)
async def alerts_page(request: Request, db: DbSession, principal: Viewer) -> Response:
    return await _page(request, db, principal)


async def _page(
    request: Request,
    db: DbSession,
    principal: AdminPrincipal,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    new_secret: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/alerts.html",
        {
            "principal": principal,
            "routes": await webhooks.list_routes(db, principal.store_id),
            "errors": errors or {},
            "values": values or {},
            "new_secret": new_secret,
            "can_configure": principal.can(Capability.CONFIGURE),
            "done": request.query_params.get("done"),
        },
        status_code=status_code,
    )


@router.post(PAGE, include_in_schema=False)
async def add_route_form(
    request: Request,
    db: DbSession,
    principal: Configurer,
    csrf_token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    try:
        _route, secret = await _add(request, db, principal, name, url)
    except ValidationFailed as exc:
        values = {"name": name, "url": url}
        return await _page(
            request, db, principal, errors=exc.fields, values=values, status_code=422
        )
    return await _page(request, db, principal, new_secret=secret)


@router.post(PAGE + "/{route_id}/remove", include_in_schema=False)
async def remove_route_form(
    request: Request,
    db: DbSession,
    principal: Configurer,
    route_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _remove(request, db, principal, route_id)
    return RedirectResponse(f"{PAGE}?done=removed", status_code=303)


@router.post(PAGE + "/{route_id}/test", include_in_schema=False)
async def test_route_form(
    request: Request,
    db: DbSession,
    principal: Configurer,
    route_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _test(request, db, principal, route_id)
    return RedirectResponse(f"{PAGE}?done=test-queued", status_code=303)


@router.get("/api/v1/admin/alert-routes", tags=["admin"])
async def list_routes_api(db: DbSession, principal: Viewer) -> dict[str, Any]:
    """The store's webhook alert routes (never their secrets)."""
    return {"items": [route_json(r) for r in await webhooks.list_routes(db, principal.store_id)]}


@router.post("/api/v1/admin/alert-routes", status_code=201, tags=["admin"])
async def add_route_api(
    body: RouteIn, request: Request, db: DbSession, principal: ApiConfigurer
) -> dict[str, Any]:
    """Add a webhook route; the answer carries its signing ``secret``, shown this once."""
    route, secret = await _add(request, db, principal, body.name, body.url)
    return {**route_json(route), "secret": secret}


@router.delete("/api/v1/admin/alert-routes/{route_id}", tags=["admin"])
async def remove_route_api(
    request: Request, db: DbSession, principal: ApiConfigurer, route_id: uuid.UUID
) -> dict[str, Any]:
    """Remove a route; its alerts still waiting in the outbox are marked failed when due."""
    return route_json(await _remove(request, db, principal, route_id))


@router.post("/api/v1/admin/alert-routes/{route_id}/test", status_code=202, tags=["admin"])
async def test_route_api(
    request: Request, db: DbSession, principal: ApiConfigurer, route_id: uuid.UUID
) -> dict[str, Any]:
    """Queue a test alert to the route; its result shows on the Notifications page."""
    row = await _test(request, db, principal, route_id)
    return {"notification_id": str(row.id), "status": row.status}


async def _add(
    request: Request, db: DbSession, principal: AdminPrincipal, name: str, url: str
) -> tuple[AlertRoute, str]:
    state = get_state(request)
    options = webhooks.webhook_options(state.settings)
    problem = await check_url(url.strip(), options) if url.strip() else None
    now = state.clock.now()
    route, secret = await webhooks.add_route(
        db,
        principal.store_id,
        name=name,
        url=url,
        url_problem=problem,
        box=state.secret_box,
        now=now,
    )
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.ALERT_ROUTE_ADDED,
        now=now,
        subject=route.name,
        details={"url": route.url_shown},
    )
    return route, secret


async def _remove(
    request: Request, db: DbSession, principal: AdminPrincipal, route_id: uuid.UUID
) -> AlertRoute:
    route = await webhooks.remove_route(db, principal.store_id, route_id)
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.ALERT_ROUTE_REMOVED,
        now=get_state(request).clock.now(),
        subject=route.name,
    )
    return route


async def _test(
    request: Request, db: DbSession, principal: AdminPrincipal, route_id: uuid.UUID
) -> Any:
    now = get_state(request).clock.now()
    route = await webhooks.get_route(db, principal.store_id, route_id)
    store = await store_service.get_store(db, principal.store_id)
    rows = await notification_service.queue_webhooks(
        db,
        store_id=principal.store_id,
        kind="test",
        endpoint=Endpoint.ORDERS,
        alert=webhooks.test_alert(store.slug, route.name, now),
        now=now,
        routes=[route],
    )
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.ALERT_ROUTE_TESTED,
        now=now,
        subject=route.name,
    )
    if not rows:
        raise ValidationFailed("This route is switched off.", fields={"route": "switched off"})
    return rows[0]
