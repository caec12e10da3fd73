"""Customers › All users pages: list, search, create, edit and CSV import."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, check_csrf, require
from erpgate.admin.page_context import refused
from erpgate.admin.roles import Capability
from erpgate.customer import csv_import
from erpgate.customer import service as customer_service
from erpgate.errors import AppError, ValidationFailed
from erpgate.models.user import PERMISSIONS
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.params import PageNumber, SearchText
from erpgate.web.state import get_state

router = APIRouter(include_in_schema=False)

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Manager = Annotated[AdminPrincipal, require(Capability.MANAGE_USERS)]


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


def report_json(report: csv_import.ImportReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "rows": report.rows,
        "accounts_created": report.accounts_created,
        "users_created": report.users_created,
        "errors": [
            {"line": e.line, "column": e.column, "message": e.message} for e in report.errors
        ],
        "more_errors": report.more_errors,
    }


async def _list_context(
    db: DbSession, principal: AdminPrincipal, *, q: str = "", page: int = 1
) -> dict[str, Any]:
    found = await customer_service.list_accounts(db, principal.store_id, search=q, page=page)
    return {"principal": principal, "found": found, "q": q, "values": {}, "errors": {}}


@router.get("/admin/customers")
async def customers_page(
    request: Request, db: DbSession, principal: Viewer, q: SearchText = "", page: PageNumber = 1
) -> Response:
    context = await _list_context(db, principal, q=q, page=page)
    return render(request, "admin/customers.html", context)


@router.post("/admin/customers")
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


@router.get("/admin/customers/import")
async def import_page(request: Request, principal: Manager) -> Response:
    return render(request, "admin/customers_import.html", _import_context(principal))


@router.post("/admin/customers/import")
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
        "values": {},
        "errors": {},
        "permissions": PERMISSIONS,
    }


@router.get("/admin/customers/{account_id}")
async def customer_page(
    request: Request, db: DbSession, principal: Viewer, account_id: uuid.UUID
) -> Response:
    context = await _account_context(db, principal, account_id)
    context["flashes"] = [("ok", "Saved.")] if request.query_params.get("done") else []
    return render(request, "admin/customer.html", context)


@router.post("/admin/customers/{account_id}")
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
