"""Buyers (All users): the pages and the JSON API (list, search, create, edit)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, check_csrf, require, require_api_write
from erpgate.admin.endpoints.forms import refused
from erpgate.admin.roles import Capability
from erpgate.admin.schemas import UserIn, UserPatch, page_json, user_json
from erpgate.customer import service as customer_service
from erpgate.errors import AppError, ValidationFailed
from erpgate.models.user import PERMISSIONS
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import PageNumber, SearchText
from erpgate.web.state import get_state

api = APIRouter(tags=["admin"])
pages = APIRouter(include_in_schema=False)

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Manager = Annotated[AdminPrincipal, require(Capability.MANAGE_USERS)]
ApiManager = Annotated[AdminPrincipal, require_api_write(Capability.MANAGE_USERS)]


def _account_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationFailed(
            "Choose a customer account.", fields={"customer_account_id": "Choose an account."}
        ) from None


def _typed_values(form: FormData) -> dict[str, Any]:
    """What the user form sent, as the template shows it again after a refused save."""
    return {
        "email": str(form.get("email", "")),
        "name": str(form.get("name", "")),
        "customer_account_id": str(form.get("customer_account_id", "")),
        "permissions": [str(p) for p in form.getlist("permissions")],
    }


async def _list_context(
    db: DbSession, principal: AdminPrincipal, *, q: str = "", page: int = 1
) -> dict[str, Any]:
    found = await customer_service.list_users(db, principal.store_id, search=q, page=page)
    accounts = await customer_service.list_accounts(db, principal.store_id)
    return {
        "principal": principal,
        "found": found,
        "q": q,
        "accounts": accounts.items,
        "permissions": PERMISSIONS,
        "values": {"permissions": list(PERMISSIONS)},
        "errors": {},
    }


@pages.get("/admin/users")
async def users_page(
    request: Request, db: DbSession, principal: Viewer, q: SearchText = "", page: PageNumber = 1
) -> Response:
    context = await _list_context(db, principal, q=q, page=page)
    return render(request, "admin/users.html", context)


@pages.post("/admin/users")
async def create_user_form(request: Request, db: DbSession, principal: Manager) -> Response:
    form = await request.form()
    check_csrf(principal, str(form.get("csrf_token", "")))
    values = _typed_values(form)
    try:
        user = await admin_service.create_buyer(
            db,
            principal.admin,
            principal.store_id,
            customer_account_id=_account_id(values["customer_account_id"]),
            email=values["email"],
            password=str(form.get("password", "")) or None,
            name=values["name"],
            permissions=values["permissions"],
            now=get_state(request).clock.now(),
        )
    except AppError as exc:
        context = refused(await _list_context(db, principal), values, exc)
        return render(request, "admin/users.html", context, status_code=exc.status_code)
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


async def _user_context(
    db: DbSession, principal: AdminPrincipal, user_id: uuid.UUID
) -> dict[str, Any]:
    user = await customer_service.get_user(db, principal.store_id, user_id)
    account = await customer_service.get_account(db, principal.store_id, user.customer_account_id)
    accounts = await customer_service.list_accounts(db, principal.store_id)
    return {
        "principal": principal,
        "user": user,
        "account": account,
        "accounts": accounts.items,
        "permissions": PERMISSIONS,
        "can_impersonate": principal.can(Capability.IMPERSONATE),
        "values": {
            "email": user.email,
            "name": user.name,
            "customer_account_id": str(user.customer_account_id),
            "permissions": list(user.permissions),
            "is_active": user.is_active,
        },
        "errors": {},
    }


@pages.get("/admin/users/{user_id}")
async def user_page(
    request: Request, db: DbSession, principal: Viewer, user_id: uuid.UUID
) -> Response:
    context = await _user_context(db, principal, user_id)
    done = request.query_params.get("done")
    if done == "saved":
        context["flashes"] = [("ok", "Saved.")]
    elif done == "ended":
        context["flashes"] = [("ok", "The storefront session as this user has ended.")]
    return render(request, "admin/user.html", context)


@pages.post("/admin/users/{user_id}")
async def update_user_form(
    request: Request, db: DbSession, principal: Manager, user_id: uuid.UUID
) -> Response:
    form = await request.form()
    check_csrf(principal, str(form.get("csrf_token", "")))
    await customer_service.get_user(db, principal.store_id, user_id)  # 404 before anything else
    values = _typed_values(form)
    values["is_active"] = form.get("is_active") == "on"
    try:
        # A savepoint: a refused change is undone, while the signed-in admin stays loaded.
        async with db.begin_nested():
            await admin_service.update_buyer(
                db,
                principal.admin,
                principal.store_id,
                user_id,
                email=values["email"],
                name=values["name"],
                customer_account_id=_account_id(values["customer_account_id"]),
                permissions=values["permissions"],
                is_active=values["is_active"],
                password=str(form.get("password", "")) or None,
                now=get_state(request).clock.now(),
            )
    except AppError as exc:
        context = refused(await _user_context(db, principal, user_id), values, exc)
        return render(request, "admin/user.html", context, status_code=exc.status_code)
    return RedirectResponse(f"/admin/users/{user_id}?done=saved", status_code=303)


@api.get("/api/v1/admin/users")
async def list_users(
    db: DbSession,
    principal: Viewer,
    q: SearchText = "",
    page: PageNumber = 1,
    customer_account_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Buyers of this store, searched by e-mail, name or customer; 50 a page."""
    found = await customer_service.list_users(
        db, principal.store_id, search=q, customer_account_id=customer_account_id, page=page
    )
    return page_json(found, [user_json(u, a) for u, a in found.items])


@api.post("/api/v1/admin/users", status_code=201)
async def create_user(
    body: UserIn, request: Request, db: DbSession, principal: ApiManager
) -> dict[str, Any]:
    """Create a buyer in one of this store's customer accounts (needs X-CSRF-Token)."""
    user = await admin_service.create_buyer(
        db,
        principal.admin,
        principal.store_id,
        customer_account_id=body.customer_account_id,
        email=body.email,
        password=body.password,
        name=body.name,
        permissions=body.permissions,
        now=get_state(request).clock.now(),
    )
    return user_json(user)


@api.get("/api/v1/admin/users/{user_id}")
async def get_user(user_id: uuid.UUID, db: DbSession, principal: Viewer) -> dict[str, Any]:
    """One buyer; 404 when it belongs to another store."""
    user = await customer_service.get_user(db, principal.store_id, user_id)
    return user_json(user)


@api.put("/api/v1/admin/users/{user_id}")
async def update_user(
    user_id: uuid.UUID, body: UserPatch, request: Request, db: DbSession, principal: ApiManager
) -> dict[str, Any]:
    """Change a buyer's e-mail, name, account, permissions or active flag; a password (owners
    and admins only) is audited and ends the buyer's sessions."""
    user = await admin_service.update_buyer(
        db,
        principal.admin,
        principal.store_id,
        user_id,
        name=body.name,
        email=body.email,
        customer_account_id=body.customer_account_id,
        permissions=body.permissions,
        is_active=body.is_active,
        password=body.password,
        now=get_state(request).clock.now(),
    )
    return user_json(user)


router = APIRouter()
router.include_router(api)
router.include_router(pages)
