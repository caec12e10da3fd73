"""JSON API of Customers › All users: /api/v1/admin/customers and /api/v1/admin/users."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request

from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, check_api_csrf, require
from erpgate.admin.roles import Capability
from erpgate.admin.schemas import AccountIn, AccountPatch, UserIn, UserPatch
from erpgate.customer import service as customer_service
from erpgate.customer.service import Page
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.user import User
from erpgate.web.db import DbSession
from erpgate.web.params import PageNumber, SearchText
from erpgate.web.state import get_state

router = APIRouter(tags=["admin"])

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Manager = Annotated[AdminPrincipal, require(Capability.MANAGE_USERS)]


def account_json(account: CustomerAccount) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "name": account.name,
        "customer_code": account.customer_code,
        "seller_reference": account.seller_reference,
        "created_at": account.created_at.isoformat(),
    }


def user_json(user: User, account: CustomerAccount | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "customer_account_id": str(user.customer_account_id),
        "permissions": list(user.permissions),
        "is_active": user.is_active,
        "has_password": user.password_hash is not None,
        "created_at": user.created_at.isoformat(),
    }
    if account is not None:
        body["customer_code"] = account.customer_code
        body["customer_account_name"] = account.name
    return body


def _page_json(found: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": found.total, "page": found.page, "pages": found.pages}


@router.get("/api/v1/admin/customers")
async def list_customers(
    db: DbSession, principal: Viewer, q: SearchText = "", page: PageNumber = 1
) -> dict[str, Any]:
    """Customer accounts of this store, searched by name, code or seller reference; 50 a page."""
    found = await customer_service.list_accounts(db, principal.store_id, search=q, page=page)
    return _page_json(found, [account_json(a) for a in found.items])


@router.post("/api/v1/admin/customers", status_code=201)
async def create_customer(
    body: AccountIn, request: Request, db: DbSession, principal: Manager
) -> dict[str, Any]:
    """Create a customer account (needs X-CSRF-Token)."""
    check_api_csrf(principal, request)
    account = await customer_service.create_account(
        db,
        principal.store_id,
        name=body.name,
        customer_code=body.customer_code,
        seller_reference=body.seller_reference,
    )
    return account_json(account)


@router.get("/api/v1/admin/customers/{account_id}")
async def get_customer(account_id: uuid.UUID, db: DbSession, principal: Viewer) -> dict[str, Any]:
    """One customer account; 404 when it belongs to another store."""
    account = await customer_service.get_account(db, principal.store_id, account_id)
    return account_json(account)


@router.put("/api/v1/admin/customers/{account_id}")
async def update_customer(
    account_id: uuid.UUID, body: AccountPatch, request: Request, db: DbSession, principal: Manager
) -> dict[str, Any]:
    """Change a customer account's name, customer_code or seller_reference."""
    check_api_csrf(principal, request)
    account = await customer_service.update_account(
        db,
        principal.store_id,
        account_id,
        name=body.name,
        customer_code=body.customer_code,
        seller_reference=body.seller_reference,
    )
    return account_json(account)


@router.get("/api/v1/admin/users")
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
    return _page_json(found, [user_json(u, a) for u, a in found.items])


@router.post("/api/v1/admin/users", status_code=201)
async def create_user(
    body: UserIn, request: Request, db: DbSession, principal: Manager
) -> dict[str, Any]:
    """Create a buyer in one of this store's customer accounts (needs X-CSRF-Token)."""
    check_api_csrf(principal, request)
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


@router.get("/api/v1/admin/users/{user_id}")
async def get_user(user_id: uuid.UUID, db: DbSession, principal: Viewer) -> dict[str, Any]:
    """One buyer; 404 when it belongs to another store."""
    user = await customer_service.get_user(db, principal.store_id, user_id)
    return user_json(user)


@router.put("/api/v1/admin/users/{user_id}")
async def update_user(
    user_id: uuid.UUID, body: UserPatch, request: Request, db: DbSession, principal: Manager
) -> dict[str, Any]:
    """Change a buyer's e-mail, name, account, permissions or active flag; a password (owners
    and admins only) is audited and ends the buyer's sessions."""
    check_api_csrf(principal, request)
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


@router.post("/api/v1/admin/customers/import")
async def import_customers(
    request: Request, db: DbSession, principal: Manager, dry_run: bool = False
) -> Any:
    """Import a CSV body of accounts and users, all or nothing; 422 lists every bad row."""
    from erpgate.admin.customers_pages import read_capped, report_json
    from erpgate.customer import csv_import
    from erpgate.web.responses import JsonResponse

    check_api_csrf(principal, request)
    data = await read_capped(request.stream(), csv_import.MAX_BYTES)
    report = await admin_service.import_customers(
        db,
        principal.admin,
        principal.store_id,
        data,
        source="API upload",
        dry_run=dry_run,
        now=get_state(request).clock.now(),
    )
    return JsonResponse(report_json(report), status_code=200 if report.ok else 422)
