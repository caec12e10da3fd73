"""Login on storefront: a time-boxed buyer session opened by an admin, and its end."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, check_csrf, require
from erpgate.admin.roles import Capability
from erpgate.auth import service as auth_service
from erpgate.auth.cookies import BUYER_COOKIE, clear_session_cookie, set_session_cookie
from erpgate.auth.service import CSRF_REFUSED
from erpgate.errors import Forbidden
from erpgate.web.db import DbSession
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
    lifetime = timedelta(minutes=state.settings.impersonation_minutes)
    store, issued = await admin_service.start_impersonation(
        db, principal.admin, principal.store_id, user_id, lifetime=lifetime, now=state.clock.now()
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
        raise Forbidden(CSRF_REFUSED)
    await admin_service.end_impersonation(db, record, now=now)
    response = RedirectResponse(f"/admin/users/{record.principal_id}?done=ended", status_code=303)
    clear_session_cookie(response, BUYER_COOKIE, secure=state.settings.secure_cookies)
    return response
