"""The audit log: who did what in the admin console, as a page and as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal, require
from erpgate.admin.roles import Capability
from erpgate.admin.schemas import audit_json
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import FilterText, PageNumber
from erpgate.web.state import get_state

router = APIRouter()

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]


@router.get("/admin/audit", include_in_schema=False)
async def audit_page(
    request: Request,
    db: DbSession,
    principal: Viewer,
    action: FilterText | None = None,
    page: PageNumber = 1,
) -> Response:
    action = action or None
    entries, total = await audit.list_entries(db, principal.store_id, action=action, page=page)
    return render(
        request,
        "admin/audit.html",
        {
            "principal": principal,
            "entries": [(entry, audit.detail_lines(entry.details)) for entry in entries],
            "now": get_state(request).clock.now(),
            "total": total,
            "page": page,
            "pages": max(1, -(-total // 50)),
            "action": action or "",
        },
    )


@router.get("/api/v1/admin/audit", tags=["admin"])
async def audit_api(
    db: DbSession, principal: Viewer, action: FilterText | None = None, page: PageNumber = 1
) -> dict[str, Any]:
    """The store's audit log, newest first, 50 a page."""
    entries, total = await audit.list_entries(db, principal.store_id, action=action, page=page)
    return {"items": [audit_json(e) for e in entries], "total": total, "page": page}
