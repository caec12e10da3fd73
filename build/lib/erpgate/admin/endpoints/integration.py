"""JSON API of the integration settings: GET, PUT (all of them) and PATCH (some of them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, require, require_api_write
from erpgate.admin.endpoints.apps import save_settings
from erpgate.admin.roles import Capability
from erpgate.admin.schemas import IntegrationSettingsPatch, IntegrationSettingsPut
from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.integration import settings as integration_settings
from erpgate.integration.service import URL_FIELDS
from erpgate.web.db import DbSession
from erpgate.web.state import get_state

router = APIRouter(tags=["admin"])

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Configurer = Annotated[AdminPrincipal, require_api_write(Capability.CONFIGURE)]
# Not a setting: an action taken after the settings are saved.
NOT_SETTINGS = frozenset({"installed"})


def _form_fields(body: BaseModel) -> dict[str, Any]:
    """The fields ``body`` names, under the settings form's names (urls.orders -> orders_url);
    null is the empty field (an endpoint off, a default timeout, the stored Token kept)."""
    raw: dict[str, Any] = {}
    for name in body.model_fields_set - NOT_SETTINGS:
        value = getattr(body, name)
        if isinstance(value, BaseModel):  # urls, timeouts
            for endpoint in (Endpoint(e) for e in value.model_fields_set):
                field = URL_FIELDS[endpoint] if name == "urls" else f"timeout_{endpoint.value}"
                inner = getattr(value, endpoint.value)
                raw[field] = "" if inner is None else str(inner)
        elif name == "notify_receivers" and isinstance(value, list):
            raw[name] = value
        else:
            raw[name] = "" if value is None else str(value)
    return raw


def _api_fields(fields: dict[str, str]) -> dict[str, str]:
    # Name errors after the JSON shape: urls.orders, timeouts.taxes, ...
    renamed = {}
    for name, message in fields.items():
        if name.endswith("_url") and name != "oauth_token_url":
            name = "urls." + name.removesuffix("_url")
        elif name.startswith("timeout_"):
            name = "timeouts." + name.removeprefix("timeout_")
        renamed[name] = message
    return renamed


@router.get("/api/v1/admin/integration")
async def get_integration(request: Request, db: DbSession, principal: Viewer) -> dict[str, Any]:
    """The integration settings; the Token is never returned, only its last 4 characters."""
    integration = await integration_service.get_integration(db, principal.store_id)
    return integration_settings.settings_view(integration, get_state(request).secret_box)


async def _save(
    request: Request,
    db: DbSession,
    principal: AdminPrincipal,
    raw: dict[str, Any],
    installed: bool | None,
) -> dict[str, Any]:
    state = get_state(request)
    try:
        row = await save_settings(request, db, principal, raw)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields=_api_fields(exc.fields)) from None
    if installed is not None and installed != row.installed:
        await admin_service.set_installed(
            db, principal.admin, principal.store_id, installed=installed, now=state.clock.now()
        )
    return integration_settings.settings_view(row, state.secret_box)


@router.put("/api/v1/admin/integration")
async def put_integration(
    body: IntegrationSettingsPut, request: Request, db: DbSession, principal: Configurer
) -> dict[str, Any]:
    """Replace every setting (needs X-CSRF-Token): a missing field is 422, never erased; 422
    with one message per bad field. To change some settings, use PATCH."""
    return await _save(request, db, principal, _form_fields(body), body.installed)


@router.patch("/api/v1/admin/integration")
async def patch_integration(
    body: IntegrationSettingsPatch, request: Request, db: DbSession, principal: Configurer
) -> dict[str, Any]:
    """Change the settings named in the body, keep every other one (needs X-CSRF-Token)."""
    current = await admin_service.current_settings_form(
        db, principal.store_id, get_state(request).secret_box
    )
    return await _save(request, db, principal, {**current, **_form_fields(body)}, body.installed)


@router.post("/api/v1/admin/integration/install")
async def install(request: Request, db: DbSession, principal: Configurer) -> dict[str, Any]:
    """Install the app (settings kept from an earlier install come back)."""
    return await _set_installed(request, db, principal, installed=True)


@router.post("/api/v1/admin/integration/uninstall")
async def uninstall(request: Request, db: DbSession, principal: Configurer) -> dict[str, Any]:
    """Uninstall: every live feature off; settings and events are kept."""
    return await _set_installed(request, db, principal, installed=False)


async def _set_installed(
    request: Request, db: DbSession, principal: AdminPrincipal, *, installed: bool
) -> dict[str, Any]:
    state = get_state(request)
    await admin_service.set_installed(
        db, principal.admin, principal.store_id, installed=installed, now=state.clock.now()
    )
    row = await integration_service.get_integration(db, principal.store_id)
    return integration_settings.settings_view(row, state.secret_box)
