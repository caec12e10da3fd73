"""Login on storefront (a time-boxed buyer session opened by an admin) and the audit log page."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import accounts, audit
from erpgate.admin.deps import AdminPrincipal, check_csrf, require
from erpgate.admin.roles import Capability
from erpgate.auth import service as auth_service
from erpgate.auth.cookies import BUYER_COOKIE, clear_session_cookie, set_session_cookie
from erpgate.customer import service as customer_service
from erpgate.errors import Conflict, Forbidden
from erpgate.store import service as store_service
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import FilterText, PageNumber
from erpgate.web.state import get_state

router = APIRouter()

Impersonator = Annotated[AdminPrincipal, require(Capability.IMPERSONATE)]
Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]


@router.post("/admin/users/{user_id}/impersonate", include_in_schema=False)
async def start_impersonation(
    request: Request,
    db: DbSession,
    principal: Impersonator,
    user_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    state = get_state(request)
    now = state.clock.now()
    user = await customer_service.get_user(db, principal.store_id, user_id)
    if not user.is_active:
        raise Conflict("This user is deactivated; activate them first to see their storefront.")
    store = await store_service.get_store(db, principal.store_id)
    lifetime = timedelta(minutes=state.settings.impersonation_minutes)
    issued = await auth_service.start_session(
        db,
        kind="buyer",
        principal_id=user.id,
        store_id=store.id,
        now=now,
        lifetime=lifetime,
        impersonator_admin_id=principal.admin.id,
    )
    await audit.record(
        db,
        store_id=store.id,
        admin=principal.admin,
        action=audit.IMPERSONATION_STARTED,
        now=now,
        subject=user.email,
        details={
            "user_id": str(user.id),
            "session_id": str(issued.record.id),
            "expires_at": issued.record.expires_at.isoformat(),
        },
    )
    response = RedirectResponse(f"/store/{store.slug}/", status_code=303)
    set_session_cookie(
        response,
        BUYER_COOKIE,
        issued.token,
        max_age_seconds=int(lifetime.total_seconds()),
        secure=state.settings.secure_cookies,
    )
    return response


@router.post("/admin/impersonation/end", include_in_schema=False)
async def end_impersonation(
    request: Request, db: DbSession, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Posted by the storefront banner with the buyer session's CSRF token."""
    state = get_state(request)
    now = state.clock.now()
    record = await auth_service.resolve_session(
        db, request.cookies.get(BUYER_COOKIE), kind="buyer", now=now
    )
    if record is None:
        # Already expired or ended: nothing to revoke, just leave the storefront.
        response = RedirectResponse("/admin", status_code=303)
        clear_session_cookie(response, BUYER_COOKIE, secure=state.settings.secure_cookies)
        return response
    if record.impersonator_admin_id is None:
        raise Forbidden("This storefront session was not opened from the admin console.")
    if not auth_service.csrf_matches(record, csrf_token):
        raise Forbidden("The form expired or did not come from this site. Reload and try again.")
    await auth_service.end_session(db, record, now)
    admin = await accounts.get_admin(db, record.impersonator_admin_id)
    user = (
        await customer_service.get_user(db, record.store_id, record.principal_id)
        if (record.store_id)
        else None
    )
    await audit.record(
        db,
        store_id=record.store_id,
        admin=admin,
        action=audit.IMPERSONATION_ENDED,
        now=now,
        subject=user.email if user else str(record.principal_id),
        details={"user_id": str(record.principal_id), "session_id": str(record.id)},
    )
    response = RedirectResponse(f"/admin/users/{record.principal_id}?done=ended", status_code=303)
    clear_session_cookie(response, BUYER_COOKIE, secure=state.settings.secure_cookies)
    return response


def _audit_json(entry: Any) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "occurred_at": entry.occurred_at.isoformat(),
        "admin_id": str(entry.admin_id) if entry.admin_id else None,
        "admin_email": entry.admin_email,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
    }


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
            "entries": entries,
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
    return {"items": [_audit_json(e) for e in entries], "total": total, "page": page}
