"""Admin sign-in and sign-out: a page for people and JSON for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from erpgate.admin import accounts
from erpgate.admin.deps import CurrentAdmin, admin_session_lifetime, check_csrf
from erpgate.auth import service as auth_service
from erpgate.auth.cookies import ADMIN_COOKIE, clear_session_cookie, set_session_cookie
from erpgate.errors import Unauthorized
from erpgate.models.admin_user import AdminUser
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter()


class AdminLogin(BaseModel):
    email: str
    password: str


class AdminMe(BaseModel):
    id: str
    email: str
    name: str
    role: str
    store_id: str | None
    csrf_token: str


async def _sign_in(request: Request, db: DbSession, admin: AdminUser, response: Response) -> str:
    state = get_state(request)
    lifetime = admin_session_lifetime(request)
    issued = await auth_service.start_session(
        db,
        kind="admin",
        principal_id=admin.id,
        store_id=admin.store_id,
        now=state.clock.now(),
        lifetime=lifetime,
    )
    set_session_cookie(
        response,
        ADMIN_COOKIE,
        issued.token,
        max_age_seconds=int(lifetime.total_seconds()),
        secure=state.settings.secure_cookies,
    )
    return issued.record.csrf_token


async def _end_current(request: Request, db: DbSession, response: Response) -> None:
    state = get_state(request)
    record = await auth_service.resolve_session(
        db, request.cookies.get(ADMIN_COOKIE), kind="admin", now=state.clock.now()
    )
    if record is not None:
        await auth_service.end_session(db, record, state.clock.now())
    clear_session_cookie(response, ADMIN_COOKIE, secure=state.settings.secure_cookies)


@router.post("/api/v1/admin/auth/login", tags=["admin"])
async def api_login(
    body: AdminLogin, request: Request, db: DbSession, response: Response
) -> AdminMe:
    """Sign in an admin; sets the session cookie."""
    admin = await accounts.authenticate(db, body.email, body.password)
    if admin is None:
        raise Unauthorized("Wrong e-mail or password.")
    csrf = await _sign_in(request, db, admin, response)
    return AdminMe(
        id=str(admin.id),
        email=admin.email,
        name=admin.name,
        role=admin.role,
        store_id=str(admin.store_id) if admin.store_id else None,
        csrf_token=csrf,
    )


@router.get("/api/v1/admin/auth/me", tags=["admin"])
async def api_me(principal: CurrentAdmin) -> AdminMe:
    """The signed-in admin."""
    admin = principal.admin
    return AdminMe(
        id=str(admin.id),
        email=admin.email,
        name=admin.name,
        role=admin.role,
        store_id=str(admin.store_id) if admin.store_id else None,
        csrf_token=principal.csrf_token,
    )


@router.post("/api/v1/admin/auth/logout", tags=["admin"], status_code=204)
async def api_logout(request: Request, db: DbSession, response: Response) -> None:
    """End this admin session."""
    await _end_current(request, db, response)


@router.get("/admin/login", include_in_schema=False)
async def login_page(request: Request, next: str = "/admin") -> Response:
    return render(request, "admin/login.html", {"next": _safe_next(next)})


def _safe_next(target: str) -> str:
    # Only same-site paths: an attacker-supplied absolute URL must not become an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/admin"


@router.post("/admin/login", include_in_schema=False)
async def login_form(
    request: Request,
    db: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/admin",
) -> Response:
    admin = await accounts.authenticate(db, email, password)
    if admin is None:
        return render(
            request,
            "admin/login.html",
            {"error": "Wrong e-mail or password.", "email": email, "next": _safe_next(next)},
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    await _sign_in(request, db, admin, response)
    return response


@router.post("/admin/logout", include_in_schema=False)
async def logout_form(
    request: Request,
    db: DbSession,
    principal: CurrentAdmin,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    response = RedirectResponse("/admin/login", status_code=303)
    await _end_current(request, db, response)
    return response
