"""Buyer sign-in and sign-out: a page per store for people, JSON for scripts and storefronts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.auth import service as auth_service
from erpgate.auth.cookies import BUYER_COOKIE, clear_session_cookie, set_session_cookie
from erpgate.auth.login_csrf import check_login_csrf, render_login_page
from erpgate.auth.login_guard import limited_sign_in
from erpgate.auth.login_limits import LoginKey, SignInCandidate
from erpgate.auth.passwords import verify_password
from erpgate.auth.service import CSRF_HEADER, CSRF_REFUSED
from erpgate.customer import service as customer_service
from erpgate.errors import Forbidden, TooManyRequests, Unauthorized
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.store import service as store_service
from erpgate.storefront import repository
from erpgate.storefront.deps import (
    ApiBuyer,
    PageBuyer,
    buyer_for_user,
    store_by_slug,
)
from erpgate.storefront.schemas import LoginIn, MeOut
from erpgate.storefront.service import modules
from erpgate.web.db import DbSession
from erpgate.web.state import get_state

router = APIRouter()
WRONG = "Wrong e-mail or password."
LOGIN_TEMPLATE = "storefront/login.html"


async def sign_in_candidate(
    db: AsyncSession, email: str, password: str, store: Store | None
) -> SignInCandidate[tuple[Store, User]]:
    """Load the buyer with this e-mail (without a store: the only one that fits, in any store);
    the check then returns it when the password matches and it is active.

    The account is the e-mail within its store; without a store, the only store where that
    e-mail is a buyer, so a store-less sign-in shares the count with the store's own page.
    """
    address = email.strip().lower()
    if store is not None:
        user = await customer_service.find_user_by_email(db, store.id, address)
        candidates = [user] if user is not None else []
    else:
        candidates = await repository.users_by_email(db, address)
        if len(candidates) == 1:
            store = await store_service.get_store(db, candidates[0].store_id)
    found_store = store

    async def check() -> tuple[Store, User] | None:
        if len(candidates) != 1 or found_store is None:
            await verify_password(None, password)  # equal time for unknown or ambiguous e-mails
            return None
        user = candidates[0]
        if not await verify_password(user.password_hash, password) or not user.is_active:
            return None
        return found_store, user

    key = LoginKey(kind="buyer", store_id=store.id if store else None, email=email)
    return SignInCandidate(key, check)


async def limited_authenticate(
    request: Request, db: AsyncSession, email: str, password: str, store: Store | None
) -> tuple[Store, User] | None:
    """The buyer under the sign-in limits (429 when locked out); every attempt is counted."""
    return await limited_sign_in(
        request, db, lambda lookup_db: sign_in_candidate(lookup_db, email, password, store)
    )


async def _sign_in(request: Request, db: AsyncSession, user: User, response: Response) -> str:
    """A new session (the token rotates on every sign-in); an older one of this browser ends."""
    state = get_state(request)
    now = state.clock.now()
    old = await auth_service.resolve_session(
        db, request.cookies.get(BUYER_COOKIE), kind="buyer", now=now
    )
    if old is not None:
        await auth_service.end_session(db, old, now)
    lifetime = timedelta(minutes=state.settings.session_max_age_minutes)
    issued = await auth_service.start_session(
        db, kind="buyer", principal_id=user.id, store_id=user.store_id, now=now, lifetime=lifetime
    )
    set_session_cookie(
        response,
        BUYER_COOKIE,
        issued.token,
        max_age_seconds=int(lifetime.total_seconds()),
        secure=state.settings.secure_cookies,
    )
    return issued.record.csrf_token


async def _sign_out(
    request: Request, db: AsyncSession, response: Response, *, csrf_token: str | None
) -> None:
    """End this browser's session, when ``csrf_token`` is its token (403 otherwise: a forged
    sign-out is refused like any forged write); without a session there is nothing to end."""
    state = get_state(request)
    now = state.clock.now()
    record = await auth_service.resolve_session(
        db, request.cookies.get(BUYER_COOKIE), kind="buyer", now=now
    )
    if record is not None:
        if not auth_service.csrf_matches(record, csrf_token):
            raise Forbidden(CSRF_REFUSED)
        await auth_service.end_session(db, record, now)
    clear_session_cookie(response, BUYER_COOKIE, secure=state.settings.secure_cookies)


def me(buyer_csrf: str, buyer: ApiBuyer) -> MeOut:
    return MeOut(
        user_id=str(buyer.user.id),
        email=buyer.user.email,
        name=buyer.user.name,
        store=buyer.store.slug,
        customer_account=buyer.account.name,
        customer_code=buyer.account.customer_code,
        permissions=list(buyer.user.permissions),
        modules=modules(buyer),
        csrf_token=buyer_csrf,
        impersonated_by=buyer.impersonation.admin_email if buyer.impersonation else None,
    )


@router.post("/api/v1/auth/login", tags=["storefront"])
async def api_login(body: LoginIn, request: Request, db: DbSession, response: Response) -> MeOut:
    """Sign in a buyer; sets the HttpOnly session cookie and returns the CSRF token."""
    store = await store_service.find_store_by_slug(db, body.store.strip()) if body.store else None
    if body.store and store is None:
        raise Unauthorized(WRONG)
    found = await limited_authenticate(request, db, body.email, body.password, store)
    if found is None:
        raise Unauthorized(WRONG)
    csrf = await _sign_in(request, db, found[1], response)
    buyer = await buyer_for_user(request, db, found[0], found[1].id, "storefront", None)
    assert buyer is not None
    return me(csrf, buyer)


@router.get("/api/v1/storefront/me", tags=["storefront"])
async def api_me(buyer: ApiBuyer) -> MeOut:
    """The buyer this call acts for, their permissions and the modules switched on."""
    return me(buyer.csrf_token, buyer)


@router.post("/api/v1/auth/logout", tags=["storefront"], status_code=204)
async def api_logout(request: Request, db: DbSession, response: Response) -> None:
    """End this buyer session (needs the X-CSRF-Token header)."""
    await _sign_out(request, db, response, csrf_token=request.headers.get(CSRF_HEADER))


def _safe_next(target: str, slug: str) -> str:
    # Only paths inside this store: an absolute URL must not become an open redirect.
    prefix = f"/store/{slug}/"
    return target if target.startswith(prefix) and "//" not in target else prefix


@router.get("/store/{slug}/login", include_in_schema=False)
async def login_page(request: Request, db: DbSession, slug: str, next: str = "") -> Response:
    store = await store_by_slug(db, slug)
    return render_login_page(
        request, LOGIN_TEMPLATE, {"store": store, "next": _safe_next(next, slug)}
    )


@router.post("/store/{slug}/login", include_in_schema=False)
async def login_form(
    request: Request,
    db: DbSession,
    slug: str,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
    login_csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check_login_csrf(request, login_csrf)
    store = await store_by_slug(db, slug)
    context: dict[str, object] = {"store": store, "email": email, "next": _safe_next(next, slug)}
    try:
        found = await limited_authenticate(request, db, email, password, store)
    except TooManyRequests as exc:
        return render_login_page(
            request, LOGIN_TEMPLATE, {**context, "error": exc.message}, status_code=429
        )
    if found is None:
        return render_login_page(
            request, LOGIN_TEMPLATE, {**context, "error": WRONG}, status_code=401
        )
    response = RedirectResponse(_safe_next(next, slug), status_code=303)
    await _sign_in(request, db, found[1], response)
    return response


@router.post("/store/{slug}/logout", include_in_schema=False)
async def logout_form(
    request: Request,
    db: DbSession,
    buyer: PageBuyer,
    slug: str,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    response = RedirectResponse(f"/store/{slug}/login", status_code=303)
    await _sign_out(request, db, response, csrf_token=csrf_token)
    return response
