"""Customer accounts: the pages and the JSON API (list, search, create, edit, CSV import)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, check_csrf, require, require_api_write
from erpgate.admin.endpoints.forms import refused
from erpgate.admin.roles import Capability
from erpgate.admin.schemas import AccountIn, AccountPatch, account_json, page_json, report_json
from erpgate.customer import addresses, csv_import
from erpgate.customer import service as customer_service
from erpgate.errors import AppError, ValidationFailed
from erpgate.models.user import PERMISSIONS
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import PageNumber, SearchText
from erpgate.web.responses import JsonResponse
from erpgate.web.state import get_state

api = APIRouter(tags=["admin"])
pages = APIRouter(include_in_schema=False)

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Manager = Annotated[AdminPrincipal, require(Capability.MANAGE_USERS)]
ApiManager = Annotated[AdminPrincipal, require_api_write(Capability.MANAGE_USERS)]


async def read_capped(chunks: AsyncIterator[bytes], cap: int) -> bytes:
    """Read an upload, refusing it as soon as it passes ``cap`` bytes (never buffer a huge body)."""
    data = bytearray()
    async for chunk in chunks:
        data.extend(chunk)
        if len(data) > cap:
            raise ValidationFailed(
                f"The file is larger than {cap // (1024 * 1024)} MB; split it.",
                fields={"file": "too large"},
                status_code=413,
            )
    return bytes(data)


async def _upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(64 * 1024):
        yield chunk


async def _list_context(
    db: DbSession, principal: AdminPrincipal, *, q: str = "", page: int = 1
) -> dict[str, Any]:
    found = await customer_service.list_accounts(db, principal.store_id, search=q, page=page)
    return {"principal": principal, "found": found, "q": q, "values": {}, "errors": {}}


@pages.get("/admin/customers")
async def customers_page(
    request: Request, db: DbSession, principal: Viewer, q: SearchText = "", page: PageNumber = 1
) -> Response:
    context = await _list_context(db, principal, q=q, page=page)
    return render(request, "admin/customers.html", context)


@pages.post("/admin/customers")
async def create_customer_form(
    request: Request,
    db: DbSession,
    principal: Manager,
    csrf_token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    customer_code: Annotated[str, Form()] = "",
    seller_reference: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    try:
        account = await customer_service.create_account(
            db,
            principal.store_id,
            name=name,
            customer_code=customer_code,
            seller_reference=seller_reference,
        )
    except AppError as exc:
        values = {
            "name": name,
            "customer_code": customer_code,
            "seller_reference": seller_reference,
        }
        context = refused(await _list_context(db, principal), values, exc)
        return render(request, "admin/customers.html", context, status_code=exc.status_code)
    return RedirectResponse(f"/admin/customers/{account.id}", status_code=303)


def _import_context(principal: AdminPrincipal) -> dict[str, Any]:
    return {
        "principal": principal,
        "columns": csv_import.COLUMNS,
        "max_rows": csv_import.MAX_ROWS,
        "report": None,
    }


@pages.get("/admin/customers/import")
async def import_page(request: Request, principal: Manager) -> Response:
    return render(request, "admin/customers_import.html", _import_context(principal))


@pages.post("/admin/customers/import")
async def import_upload(
    request: Request,
    db: DbSession,
    principal: Manager,
    file: UploadFile,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    context = _import_context(principal)
    try:
        data = await read_capped(_upload_chunks(file), csv_import.MAX_BYTES)
        report = await admin_service.import_customers(
            db,
            principal.admin,
            principal.store_id,
            data,
            source=file.filename or "upload.csv",
            now=get_state(request).clock.now(),
        )
    except ValidationFailed as exc:
        context["flashes"] = [("error", exc.message)]
        return render(request, "admin/customers_import.html", context, status_code=422)
    context["report"] = report
    if report.ok:
        context["flashes"] = [
            (
                "ok",
                f"Imported {report.accounts_created} customer accounts and "
                f"{report.users_created} users.",
            )
        ]
    else:
        context["flashes"] = [
            ("error", "Nothing was imported: fix the rows below and upload again.")
        ]
    return render(
        request, "admin/customers_import.html", context, status_code=200 if report.ok else 422
    )


async def _account_context(
    db: DbSession, principal: AdminPrincipal, account_id: uuid.UUID
) -> dict[str, Any]:
    account = await customer_service.get_account(db, principal.store_id, account_id)
    users = await customer_service.list_users(
        db, principal.store_id, customer_account_id=account.id
    )
    return {
        "principal": principal,
        "account": account,
        "users": users,
        "addresses": await addresses.list_addresses(db, principal.store_id, account.id),
        "address_fields": addresses.ADDRESS_FIELDS,
        "address_values": {},
        "address_errors": {},
        "values": {},
        "errors": {},
        "permissions": PERMISSIONS,
    }


@pages.get("/admin/customers/{account_id}")
async def customer_page(
    request: Request, db: DbSession, principal: Viewer, account_id: uuid.UUID
) -> Response:
    context = await _account_context(db, principal, account_id)
    context["flashes"] = [("ok", "Saved.")] if request.query_params.get("done") else []
    return render(request, "admin/customer.html", context)


@pages.post("/admin/customers/{account_id}")
async def update_customer_form(
    request: Request,
    db: DbSession,
    principal: Manager,
    account_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    customer_code: Annotated[str, Form()] = "",
    seller_reference: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    account = await customer_service.get_account(db, principal.store_id, account_id)
    try:
        # A savepoint: a refused change is undone, while the signed-in admin stays loaded.
        async with db.begin_nested():
            await customer_service.update_account(
                db,
                principal.store_id,
                account.id,
                name=name,
                customer_code=customer_code,
                seller_reference=seller_reference,
            )
    except AppError as exc:
        values = {
            "name": name,
            "customer_code": customer_code,
            "seller_reference": seller_reference,
        }
        context = refused(await _account_context(db, principal, account_id), values, exc)
        return render(request, "admin/customer.html", context, status_code=exc.status_code)
    return RedirectResponse(f"/admin/customers/{account.id}?done=1", status_code=303)


@pages.post("/admin/customers/{account_id}/addresses")
async def add_address_form(
    request: Request, db: DbSession, principal: Manager, account_id: uuid.UUID
) -> Response:
    form = await request.form()
    check_csrf(principal, str(form.get("csrf_token", "")))
    account = await customer_service.get_account(db, principal.store_id, account_id)
    values = {field: str(form.get(field, "")) for field in addresses.ADDRESS_FIELDS}
    try:
        await addresses.add_address(db, principal.store_id, account.id, values)
    except ValidationFailed as exc:
        context = await _account_context(db, principal, account.id)
        context |= {"address_values": values, "address_errors": exc.fields}
        context["flashes"] = [("error", exc.message)]
        return render(request, "admin/customer.html", context, status_code=exc.status_code)
    return RedirectResponse(f"/admin/customers/{account.id}?done=1", status_code=303)


@pages.post("/admin/customers/{account_id}/addresses/{address_id}/remove")
async def remove_address_form(
    db: DbSession,
    principal: Manager,
    account_id: uuid.UUID,
    address_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    account = await customer_service.get_account(db, principal.store_id, account_id)
    await addresses.remove_address(db, principal.store_id, account.id, address_id)
    return RedirectResponse(f"/admin/customers/{account.id}?done=1", status_code=303)


@api.get("/api/v1/admin/customers")
async def list_customers(
    db: DbSession, principal: Viewer, q: SearchText = "", page: PageNumber = 1
) -> dict[str, Any]:
    """Customer accounts of this store, searched by name, code or seller reference; 50 a page."""
    found = await customer_service.list_accounts(db, principal.store_id, search=q, page=page)
    return page_json(found, [account_json(a) for a in found.items])


@api.post("/api/v1/admin/customers", status_code=201)
async def create_customer(body: AccountIn, db: DbSession, principal: ApiManager) -> dict[str, Any]:
    """Create a customer account (needs X-CSRF-Token)."""
    account = await customer_service.create_account(
        db,
        principal.store_id,
        name=body.name,
        customer_code=body.customer_code,
        seller_reference=body.seller_reference,
    )
    return account_json(account)


@api.get("/api/v1/admin/customers/{account_id}")
async def get_customer(account_id: uuid.UUID, db: DbSession, principal: Viewer) -> dict[str, Any]:
    """One customer account; 404 when it belongs to another store."""
    account = await customer_service.get_account(db, principal.store_id, account_id)
    return account_json(account)


@api.put("/api/v1/admin/customers/{account_id}")
async def update_customer(
    account_id: uuid.UUID, body: AccountPatch, db: DbSession, principal: ApiManager
) -> dict[str, Any]:
    """Change a customer account's name, customer_code or seller_reference."""
    account = await customer_service.update_account(
        db,
        principal.store_id,
        account_id,
        name=body.name,
        customer_code=body.customer_code,
        seller_reference=body.seller_reference,
    )
    return account_json(account)


@api.post("/api/v1/admin/customers/import")
async def import_customers(
    request: Request, db: DbSession, principal: ApiManager, dry_run: bool = False
) -> JsonResponse:
    """Import a CSV body of accounts and users, all or nothing; 422 lists every bad row."""
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


router = APIRouter()
router.include_router(api)
router.include_router(pages)
