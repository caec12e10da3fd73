"""The ERP adapter page: per endpoint the contract URL or the adapter, the profile editor
("Start from" a shipped profile), save, remove, and a preview of the profile as typed.

Every post re-renders what was typed when something is wrong, with the problem next to its
field, so nothing typed is lost while one part is fixed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.adapter import form, service
from erpgate.adapter.api import record_change, run_preview
from erpgate.adapter.preview import PreviewResult
from erpgate.adapter.schemas import PreviewIn
from erpgate.admin.deps import AdminPrincipal, check_csrf, require
from erpgate.admin.roles import Capability
from erpgate.erp.adapters.profile import ADAPTABLE, profile_json, shipped_profile
from erpgate.errors import ValidationFailed
from erpgate.integration.adapter import AdapterSettingsError, read_adapter_settings
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter(include_in_schema=False)
PAGE = "/admin/apps/generic-erp/adapter"
PREVIEW_FIELDS = ("preview_endpoint", "customer_code", "answer", "order_id", "invoice_id")
DRIVERS = ("bearer", "header", "token", "oauth2", "login_session")
SECRET_KEY, SECRET_TOKEN = "secret.key", "secret.token"  # write-only form fields
PAGING_STYLES = ("none", "odata", "limit_start", "offset_limit")
DONE = {
    "saved": "Adapter settings saved.",
    "removed": "Adapter removed: every endpoint uses its contract URL.",
}

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Configurer = Annotated[AdminPrincipal, require(Capability.CONFIGURE)]
Tester = Annotated[AdminPrincipal, require(Capability.TEST_INTEGRATION)]


async def _typed(request: Request, principal: AdminPrincipal) -> dict[str, str]:
    posted = await request.form()
    check_csrf(principal, str(posted.get("csrf_token", "")))
    raw = {name: str(value) for name, value in posted.items() if name != "csrf_token"}
    return form.typed_values(raw)


def _page(
    request: Request,
    principal: AdminPrincipal,
    values: dict[str, str],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    flashes: list[tuple[str, str]] | None = None,
    problem: str | None = None,
    result: PreviewResult | None = None,
    secrets_set: dict[str, bool] | None = None,
) -> Response:
    shown = {name: value for name, value in values.items() if not name.startswith("secret.")}
    return render(
        request,
        "adapter/adapter.html",
        {
            "principal": principal,
            "page_path": PAGE,
            "values": shown,  # never a typed secret back into the page
            "secrets": secrets_set or {},
            "errors": errors or {},
            "flashes": flashes or [],
            "problem": problem,
            "result": result,
            "endpoints": ADAPTABLE,
            "shipped": service.shipped_choices(),
            "drivers": DRIVERS,
            "paging_styles": PAGING_STYLES,
        },
        status_code=status_code,
    )


@router.get(PAGE)
async def adapter_page(request: Request, db: DbSession, principal: Viewer) -> Response:
    state = await service.get_adapter(db, principal.store_id)
    values = form.form_values(state.profile, state.endpoints)
    done = DONE.get(request.query_params.get("done", ""))
    flashes = [("ok", done)] if done else []
    secrets_set = {"key": state.key_set, "token": state.token_set}
    return _page(
        request, principal, values, flashes=flashes, problem=state.problem, secrets_set=secrets_set
    )


@router.post(f"{PAGE}/start")
async def start_from(request: Request, db: DbSession, principal: Configurer) -> Response:
    """The editor filled with a shipped profile's copy; nothing is saved until Save."""
    typed = await _typed(request, principal)
    name = typed.get("shipped", "")
    if name not in dict(service.shipped_choices()):
        return _page(
            request,
            principal,
            typed,
            status_code=422,
            errors={"shipped": "Choose a shipped profile."},
        )
    profile = profile_json(shipped_profile(name))
    kept = [e for e in form.chosen_endpoints(typed) if e in profile["endpoints"]]
    values = {**typed, **form.form_values(profile, kept)}
    flash = f"Copied the {name} profile into the editor: review it, choose the endpoints, and save."
    return _page(request, principal, values, flashes=[("ok", flash)])


@router.post(PAGE)
async def save_form(request: Request, db: DbSession, principal: Configurer) -> Response:
    typed = await _typed(request, principal)
    data, errors = form.profile_data(typed)
    if not errors:
        try:
            settings = read_adapter_settings(
                {"profile": data, "endpoints": form.chosen_endpoints(typed)}
            )
        except AdapterSettingsError as exc:
            errors = form.problem_fields(exc.problems)
    if errors:
        flash = ("error", "The adapter settings have problems (marked below); nothing was saved.")
        return _page(request, principal, typed, status_code=422, errors=errors, flashes=[flash])
    # Write-only: an empty field keeps the saved secret (removing the adapter removes both).
    try:
        secrets = service.check_secrets(
            typed.get(SECRET_KEY) or None, typed.get(SECRET_TOKEN) or None
        )
    except ValidationFailed as exc:
        flash = ("error", "The adapter settings have problems (marked below); nothing was saved.")
        fields = {name: str(text) for name, text in (exc.fields or {}).items()}
        return _page(request, principal, typed, status_code=422, errors=fields, flashes=[flash])
    _state, changes = await service.save_adapter(
        db, principal.store_id, settings, get_state(request).secret_box, **secrets
    )
    await record_change(request, db, principal, changes)
    return RedirectResponse(f"{PAGE}?done=saved", status_code=303)


@router.post(f"{PAGE}/remove")
async def remove_form(request: Request, db: DbSession, principal: Configurer) -> Response:
    await _typed(request, principal)
    _state, changes = await service.remove_adapter(db, principal.store_id)
    await record_change(request, db, principal, changes)
    return RedirectResponse(f"{PAGE}?done=removed", status_code=303)


@router.post(f"{PAGE}/preview")
async def preview_form(request: Request, db: DbSession, principal: Tester) -> Response:
    """The profile as typed (saved or not) run on the pasted answer, or on the ERP live."""
    typed = await _typed(request, principal)
    data, errors = form.profile_data(typed)
    errors = errors or form.check_profile(data)
    if errors:
        flash = ("error", "Fix the profile's problems (marked below) to preview it.")
        return _page(request, principal, typed, status_code=422, errors=errors, flashes=[flash])
    body: dict[str, Any] = {
        "endpoint": typed.get("preview_endpoint", ""),
        "customer_code": typed.get("customer_code", ""),
        "profile": data,
        "answer": typed.get("answer") or None,
        "order_id": typed.get("order_id", ""),
        "invoice_id": typed.get("invoice_id", ""),
    }
    try:
        result = await run_preview(request, db, principal, PreviewIn.model_validate(body))
    except ValidationFailed as exc:
        fields = {f"preview.{name}": text for name, text in exc.fields.items()}
        flash = ("error", exc.message)
        return _page(request, principal, typed, status_code=422, errors=fields, flashes=[flash])
    return _page(request, principal, typed, result=result)
