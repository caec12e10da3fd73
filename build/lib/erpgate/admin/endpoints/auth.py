"""Admin sign-in and sign-out: a page for people and JSON for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import accounts
from erpgate.admin import service as admin_service
from erpgate.admin.deps import (
    AdminPrincipal,
    CurrentAdmin,
    admin_session_lifetime,
    check_csrf,
)
from erpgate.admin.schemas import AdminLogin, AdminMe
from erpgate.auth import service as auth_service
from erpgate.auth.cookies import ADMIN_COOKIE, clear_session_cookie, set_session_cookie
from erpgate.auth.login_csrf import check_login_csrf, render_login_page
from erpgate.auth.login_guard import limited_sign_in
from erpgate.auth.service import CSRF_HEADER, CSRF_REFUSED
from erpgate.customer.service import EMAIL_MAX, PASSWORD_MAX
from erpgate.errors import Forbidden, TooManyRequests, Unauthorized
from erpgate.models.admin_user import AdminUser
from erpgate.web.db import DbSession
from erpgate.web.state import get_state

router = APIRouter()
LOGIN_TEMPLATE = "admin/login.html"


def _me(admin: AdminUser, csrf_token: str) -> AdminMe:
    return AdminMe(
        id=str(admin.id),
        email=admin.email,
        name=admin.name,
        role=admin.role,
        store_id=str(admin.store_id) if admin.store_id else None,
        csrf_token=csrf_token,
    )


async def _authenticate(request: Request, db: DbSession, email: str, password: str) -> AdminUser:
    """Reserve the attempt under the rate limits, then check the password."""
    admin = await limited_sign_in(
        request, db, lambda lookup_db: accounts.sign_in_candidate(lookup_db, email, password)
    )
    if admin is None:
        raise Unauthorized("Wrong e-mail or password.")
    return admin


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


async def _end_current(
    request: Request, db: DbSession, response: Response, *, csrf_token: str | None
) -> None:
    """End this browser's session, when ``csrf_token`` is its token (403 otherwise: a forged
    sign-out is refused like any forged write); without a session there is nothing to end."""
    state = get_state(request)
    record = await auth_service.resolve_session(
        db, request.cookies.get(ADMIN_COOKIE), kind="admin", now=state.clock.now()
    )
    if record is not None:
        if not auth_service.csrf_matches(record, csrf_token):
            raise Forbidden(CSRF_REFUSED)
        await auth_service.end_session(db, record, state.clock.now())
    clear_session_cookie(response, ADMIN_COOKIE, secure=state.settings.secure_cookies)


@router.post("/api/v1/admin/auth/login", tags=["admin"])
async def api_login(
    body: AdminLogin, request: Request, db: DbSession, response: Response
) -> AdminMe:
    """Sign in an admin; sets the session cookie. 429 after too many failures."""
    admin = await _authenticate(request, db, body.email, body.password)
    return _me(admin, await _sign_in(request, db, admin, response))


@router.get("/api/v1/admin/auth/me", tags=["admin"])
async def api_me(principal: CurrentAdmin) -> AdminMe:
    """The signed-in admin."""
    return _me(principal.admin, principal.csrf_token)


@router.post("/api/v1/admin/auth/logout", tags=["admin"], status_code=204)
async def api_logout(request: Request, db: DbSession, response: Response) -> None:
    """End this admin session (needs the X-CSRF-Token header)."""
    await _end_current(request, db, response, csrf_token=request.headers.get(CSRF_HEADER))


@router.get("/admin/login", include_in_schema=False)
async def login_page(request: Request, next: str = "/admin") -> Response:
    return render_login_page(request, LOGIN_TEMPLATE, {"next": _safe_next(next)})


def _safe_next(target: str) -> str:
    # Only same-site paths: an attacker-supplied absolute URL must not become an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/admin"


@router.post("/admin/login", include_in_schema=False)
async def login_form(
    request: Request,
    db: DbSession,
    email: Annotated[str, Form(max_length=EMAIL_MAX)] = "",
    password: Annotated[str, Form(max_length=PASSWORD_MAX)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin",
    login_csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check_login_csrf(request, login_csrf)
    try:
        admin = await _authenticate(request, db, email, password)
    except (Unauthorized, TooManyRequests) as exc:
        return render_login_page(
            request,
            LOGIN_TEMPLATE,
            {"error": exc.message, "email": email, "next": _safe_next(next)},
            status_code=exc.status_code,
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
    await _end_current(request, db, response, csrf_token=csrf_token)
    return response


async def _end_everywhere(
    request: Request, db: DbSession, principal: AdminPrincipal, response: Response
) -> tuple[int, int]:
    """End every session of this admin and their storefront sessions; clear this device's cookie."""
    state = get_state(request)
    ended = await admin_service.end_sessions_everywhere(db, principal.admin, now=state.clock.now())
    clear_session_cookie(response, ADMIN_COOKIE, secure=state.settings.secure_cookies)
    return ended


@router.post("/api/v1/admin/auth/logout-everywhere", tags=["admin"])
async def api_logout_everywhere(
    request: Request, db: DbSession, principal: CurrentAdmin, response: Response
) -> dict[str, int]:
    """End every session of this admin on every device, and the storefront sessions the admin
    opened with Login on storefront (needs the X-CSRF-Token header)."""
    check_csrf(principal, request.headers.get(CSRF_HEADER))
    ended, storefront = await _end_everywhere(request, db, principal, response)
    return {"sessions_ended": ended, "storefront_sessions_ended": storefront}


@router.post("/admin/logout-everywhere", include_in_schema=False)
async def logout_everywhere_form(
    request: Request,
    db: DbSession,
    principal: CurrentAdmin,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    response = RedirectResponse("/admin/login", status_code=303)
    await _end_everywhere(request, db, principal, response)
    return response
