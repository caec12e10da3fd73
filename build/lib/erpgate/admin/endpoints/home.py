"""The admin home: a summary of the store's integration, each part linking to its page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpgate.admin import service
from erpgate.admin.deps import CurrentAdmin
from erpgate.admin.health import WINDOW_HOURS
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter()


@router.get("/admin", include_in_schema=False)
async def home_page(request: Request, db: DbSession, principal: CurrentAdmin) -> Response:
    state = get_state(request)
    now = state.clock.now()
    summary = None
    # Platform operators have no store to sum up: they get the links alone.
    if principal.admin.store_id is not None:
        summary = await service.home_summary(
            db, principal.store_id, gateway=state.gateway, box=state.secret_box, now=now
        )
    return render(
        request,
        "admin/home.html",
        {"principal": principal, "summary": summary, "window_hours": WINDOW_HOURS, "now": now},
    )
