"""Every admin route, gathered into one router; each area (pages and JSON API) is a module."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpgate.admin.deps import CurrentAdmin
from erpgate.admin.endpoints import (
    alerts,
    apps,
    audit,
    auth,
    customers,
    health,
    impersonation,
    integration,
    users,
)
from erpgate.web.pages import render

router = APIRouter()
for area in (auth, apps, integration, health, alerts, customers, users, impersonation, audit):
    router.include_router(area.router)


@router.get("/admin", include_in_schema=False)
async def admin_home(request: Request, principal: CurrentAdmin) -> Response:
    return render(request, "admin/home.html", {"principal": principal})
