"""Every admin route, gathered into one router (each area keeps its own module)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpgate.admin import auth_endpoints
from erpgate.admin.deps import CurrentAdmin
from erpgate.web.pages import render

router = APIRouter()
router.include_router(auth_endpoints.router)


@router.get("/admin", include_in_schema=False)
async def admin_home(request: Request, principal: CurrentAdmin) -> Response:
    return render(request, "admin/home.html", {"principal": principal})
