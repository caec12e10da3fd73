"""Every admin route, gathered into one router (each area keeps its own module)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpgate.admin import (
    apps_endpoints,
    auth_endpoints,
    customers_api,
    customers_pages,
    health_endpoints,
    impersonation,
    integration_api,
    users_pages,
)
from erpgate.admin.deps import CurrentAdmin
from erpgate.web.pages import render

router = APIRouter()
router.include_router(auth_endpoints.router)
router.include_router(apps_endpoints.router)
router.include_router(integration_api.router)
router.include_router(health_endpoints.router)
router.include_router(customers_api.router)
router.include_router(customers_pages.router)
router.include_router(users_pages.router)
router.include_router(impersonation.router)


@router.get("/admin", include_in_schema=False)
async def admin_home(request: Request, principal: CurrentAdmin) -> Response:
    return render(request, "admin/home.html", {"principal": principal})
