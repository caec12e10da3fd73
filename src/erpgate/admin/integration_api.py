"""JSON API of the integration settings: GET and PUT /api/v1/admin/integration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from erpgate.admin.apps_endpoints import save_settings, set_installed
from erpgate.admin.deps import AdminPrincipal, check_api_csrf, require
from erpgate.admin.roles import Capability
from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.integration import settings as integration_settings
from erpgate.integration.service import URL_FIELDS
from erpgate.web.db import DbSession
from erpgate.web.state import get_state

router = APIRouter(tags=["admin"])

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Configurer = Annotated[AdminPrincipal, require(Capability.CONFIGURE)]


class IntegrationSettingsIn(BaseModel):
    """New settings. `token` null or empty keeps the stored Token (it is write-only)."""

    key: str = ""
    token: str | None = None
    auth_style: str = "bearer"
    oauth_token_url: str | None = None
    urls: dict[str, str | None] = Field(default_factory=dict)
    timeouts: dict[str, float | str | None] = Field(default_factory=dict)
    tax_failure_policy: str = "estimate"
    stale_max_age_seconds: int | str = 24 * 3600
    notify_sender: str | None = None
    notify_receivers: list[str] | str = Field(default_factory=list)
    installed: bool | None = None


def _raw(body: IntegrationSettingsIn) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "key": body.key,
        "token": body.token or "",
        "auth_style": body.auth_style,
        "oauth_token_url": body.oauth_token_url or "",
        "tax_failure_policy": body.tax_failure_policy,
        "stale_max_age_seconds": str(body.stale_max_age_seconds),
        "notify_sender": body.notify_sender or "",
        "notify_receivers": body.notify_receivers,
    }
    for endpoint in Endpoint:
        raw[URL_FIELDS[endpoint]] = body.urls.get(endpoint.value) or ""
        timeout = body.timeouts.get(endpoint.value)
        raw[integration_settings.timeout_field(endpoint)] = "" if timeout is None else str(timeout)
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


@router.put("/api/v1/admin/integration")
async def put_integration(
    body: IntegrationSettingsIn, request: Request, db: DbSession, principal: Configurer
) -> dict[str, Any]:
    """Replace the settings (needs X-CSRF-Token); 422 with one message per bad field."""
    check_api_csrf(principal, request)
    try:
        row = await save_settings(request, db, principal, _raw(body))
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields=_api_fields(exc.fields)) from None
    if body.installed is not None and body.installed != row.installed:
        await set_installed(request, db, principal, installed=body.installed)
    return integration_settings.settings_view(row, get_state(request).secret_box)


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
    check_api_csrf(principal, request)
    await set_installed(request, db, principal, installed=installed)
    row = await integration_service.get_integration(db, principal.store_id)
    return integration_settings.settings_view(row, get_state(request).secret_box)
