"""App Store pages: install, configure, test and uninstall the Generic ERP Integration app."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import integration_test
from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, check_csrf, require
from erpgate.admin.roles import Capability
from erpgate.admin.service import APP_NAME
from erpgate.customer import service as customer_service
from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.integration import settings as integration_settings
from erpgate.integration.service import URL_FIELDS
from erpgate.models.integration import Integration
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter(include_in_schema=False)

APP_SLUG = "generic-erp"
SETTINGS_PATH = f"/admin/apps/{APP_SLUG}"

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Configurer = Annotated[AdminPrincipal, require(Capability.CONFIGURE)]
Tester = Annotated[AdminPrincipal, require(Capability.TEST_INTEGRATION)]


@dataclass(frozen=True, slots=True)
class EndpointGroup:
    """One feature on the settings page: the endpoints whose URLs switch it on, and the settings
    that go with them as (label, field name, hint). ``anchor`` is its id on the page."""

    anchor: str
    title: str
    help: str
    endpoints: tuple[Endpoint, ...]
    settings: tuple[tuple[str, str, str], ...] = ()


ENDPOINT_GROUPS = (
    EndpointGroup(
        "orders-invoices",
        "Orders, invoices and balance",
        "Buyers see their orders, invoices and balance while these URLs are set.",
        (Endpoint.ORDERS, Endpoint.ORDER, Endpoint.INVOICES, Endpoint.INVOICE, Endpoint.BALANCE),
    ),
    EndpointGroup(
        "checkout",
        "Checkout",
        "Checkout asks the ERP for taxes and shipping methods while these URLs are set.",
        (Endpoint.TAXES, Endpoint.SHIPPING),
    ),
    EndpointGroup(
        "placed-orders",
        "Sending placed orders",
        "Orders placed in the store are sent to the ERP while this URL is set; without it they "
        "stay in the store.",
        (Endpoint.SUBMIT_ORDER,),
        (
            (
                "Keep sending a placed order for (hours)",
                "order_retry_hours",
                "While the ERP fails, a placed order is sent again until it is accepted, "
                "rejected, or this many hours have passed (1 to 168).",
            ),
        ),
    ),
    EndpointGroup(
        "live-prices",
        "Live prices and stock",
        "Buyers see their own prices and stock on the catalog, cart and checkout while these "
        "URLs are set.",
        (Endpoint.PRICES, Endpoint.INVENTORY),
        (
            (
                "Prices are used for (seconds)",
                "price_cache_seconds",
                "A buyer's prices are shown this long before the ERP is asked again "
                "(0 to 86400, a day; 0 asks the ERP on every page).",
            ),
            (
                "Stock is used for (seconds)",
                "stock_cache_seconds",
                "A buyer's stock is shown this long before the ERP is asked again "
                "(0 to 3600, an hour; 0 asks the ERP on every page).",
            ),
        ),
    ),
)


def _settings_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    """The settings page, kept out of every cache: it shows the Key and may echo a typed Token."""
    response = render(request, "admin/integration_settings.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/apps")
async def apps_page(request: Request, db: DbSession, principal: Viewer) -> Response:
    integration = await integration_service.get_integration(db, principal.store_id)
    return render(
        request,
        "admin/apps.html",
        {
            "principal": principal,
            "app_name": APP_NAME,
            "settings_path": SETTINGS_PATH,
            "installed": bool(integration and integration.installed),
            "flashes": _flash(request),
        },
    )


def _flash(request: Request) -> list[tuple[str, str]]:
    messages = {
        "installed": ("ok", f"{APP_NAME} is installed. Fill in the settings below."),
        "uninstalled": ("ok", f"{APP_NAME} is uninstalled: every live feature is off."),
        "saved": ("ok", "Settings saved."),
        "key-revoked": ("ok", "The API key is revoked."),
    }
    done = request.query_params.get("done", "")
    return [messages[done]] if done in messages else []


@router.post(f"/admin/apps/{APP_SLUG}/install")
async def install(
    request: Request,
    db: DbSession,
    principal: Configurer,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _set_installed(request, db, principal, installed=True)
    return RedirectResponse(f"{SETTINGS_PATH}?done=installed", status_code=303)


@router.post(f"/admin/apps/{APP_SLUG}/uninstall")
async def uninstall(
    request: Request,
    db: DbSession,
    principal: Configurer,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await _set_installed(request, db, principal, installed=False)
    return RedirectResponse("/admin/apps?done=uninstalled", status_code=303)


def _set_installed(
    request: Request, db: DbSession, principal: AdminPrincipal, *, installed: bool
) -> Awaitable[None]:
    return admin_service.set_installed(
        db,
        principal.admin,
        principal.store_id,
        installed=installed,
        now=get_state(request).clock.now(),
    )


async def save_settings(
    request: Request, db: DbSession, principal: AdminPrincipal, raw: Mapping[str, Any]
) -> Integration:
    """The whole settings form, validated, stored and audited (the page's and the API's)."""
    state = get_state(request)
    return await admin_service.save_settings(
        db,
        principal.admin,
        principal.store_id,
        raw,
        box=state.secret_box,
        options=state.gateway.options,
        now=state.clock.now(),
    )


async def _settings_context(
    request: Request, db: DbSession, principal: AdminPrincipal
) -> dict[str, Any]:
    state = get_state(request)
    integration = await integration_service.get_integration(db, principal.store_id)
    view = integration_settings.settings_view(integration, state.secret_box)
    accounts = await customer_service.list_accounts(db, principal.store_id)
    return {
        "principal": principal,
        "app_name": APP_NAME,
        "settings_path": SETTINGS_PATH,
        "view": view,
        "values": integration_settings.form_values(view),
        "errors": {},
        "endpoint_groups": [
            (
                group,
                [
                    (e, URL_FIELDS[e], integration_settings.timeout_field(e))
                    for e in group.endpoints
                ],
            )
            for group in ENDPOINT_GROUPS
        ],
        "accounts": accounts.items,
        "api_keys": await admin_service.list_api_keys(db, principal.store_id),
        "new_api_key": None,
        "test_report": None,
        "test_values": {},
        "test_errors": {},
        "flashes": _flash(request),
    }


@router.get(SETTINGS_PATH)
async def settings_page(request: Request, db: DbSession, principal: Viewer) -> Response:
    context = await _settings_context(request, db, principal)
    return _settings_page(request, context)


@router.post(SETTINGS_PATH)
async def save_settings_form(request: Request, db: DbSession, principal: Configurer) -> Response:
    form = await request.form()
    check_csrf(principal, str(form.get("csrf_token", "")))
    raw = {name: str(value) for name, value in form.items() if name != "csrf_token"}
    try:
        await save_settings(request, db, principal, raw)
    except ValidationFailed as exc:
        context = await _settings_context(request, db, principal)
        # Keep everything typed (the Token too) so nothing is lost while fixing one field.
        context["values"] = {**context["values"], **raw}
        context["errors"] = exc.fields
        context["flashes"] = [("error", exc.message)]
        return _settings_page(request, context, status_code=422)
    return RedirectResponse(f"{SETTINGS_PATH}?done=saved", status_code=303)


@router.post(f"{SETTINGS_PATH}/test")
async def run_test(request: Request, db: DbSession, principal: Tester) -> Response:
    form = await request.form()
    check_csrf(principal, str(form.get("csrf_token", "")))
    inputs = integration_test.TestInputs.from_form(form)
    context = await _settings_context(request, db, principal)
    context["test_values"] = inputs.as_dict()  # what was typed stays, right or wrong
    state = get_state(request)
    try:
        context["test_report"] = await integration_test.run(
            state.gateway, state.secret_box, db, principal.store_id, inputs
        )
    except ValidationFailed as exc:
        context["test_errors"] = exc.fields
        context["flashes"] = [("error", exc.message)]
        return _settings_page(request, context, status_code=422)
    return _settings_page(request, context)


@router.post(f"{SETTINGS_PATH}/api-keys")
async def create_api_key(
    request: Request,
    db: DbSession,
    principal: Configurer,
    csrf_token: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    plaintext = await admin_service.create_api_key(
        db, principal.admin, principal.store_id, label, now=get_state(request).clock.now()
    )
    context = await _settings_context(request, db, principal)
    # Shown once, on this response only: only its digest is stored.
    context["new_api_key"] = plaintext
    return _settings_page(request, context)


@router.post(f"{SETTINGS_PATH}/api-keys/{{key_id}}/revoke")
async def revoke_api_key(
    request: Request,
    db: DbSession,
    principal: Configurer,
    key_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    await admin_service.revoke_api_key(
        db, principal.admin, principal.store_id, key_id, now=get_state(request).clock.now()
    )
    return RedirectResponse(f"{SETTINGS_PATH}?done=key-revoked", status_code=303)
