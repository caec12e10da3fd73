"""The adapter's JSON API (read, save, remove, preview) and what the page shares with it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.adapter import preview, service
from erpgate.adapter.schemas import (
    AdapterOut,
    AdapterPut,
    PreviewError,
    PreviewIn,
    PreviewOut,
    PreviewRequest,
    ShippedProfile,
)
from erpgate.adapter.service import AdapterState
from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal, require, require_api_write
from erpgate.admin.roles import Capability
from erpgate.web.db import DbSession
from erpgate.web.responses import model_response
from erpgate.web.state import get_state

router = APIRouter(tags=["admin"])
API = "/api/v1/admin/integration/adapter"

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
# The adapter is an integration setting: whoever may change those may change it.
Configurer = Annotated[AdminPrincipal, require_api_write(Capability.CONFIGURE)]
# A preview writes nothing but may call the ERP: the Test integration capability.
Tester = Annotated[AdminPrincipal, require_api_write(Capability.TEST_INTEGRATION)]


def adapter_out(state: AdapterState) -> AdapterOut:
    return AdapterOut(
        profile=state.profile,
        endpoints=state.endpoints,
        shipped=[ShippedProfile(name=n, label=label) for n, label in service.shipped_choices()],
        problem=state.problem,
        key_set=state.key_set,
        token_set=state.token_set,
    )


async def record_change(
    request: Request,
    db: AsyncSession,
    principal: AdminPrincipal,
    changes: list[dict[str, str | None]],
) -> None:
    """One audit entry naming what changed (never a value that may be secret)."""
    if not changes:
        return
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.INTEGRATION_ADAPTER_CHANGED,
        now=get_state(request).clock.now(),
        subject="ERP adapter",
        details={"changes": changes},
    )


@router.get(API, response_model=AdapterOut)
async def get_adapter(db: DbSession, principal: Viewer) -> Response:
    """The store's adapter profile, the endpoints it serves and the profiles to start from."""
    return model_response(adapter_out(await service.get_adapter(db, principal.store_id)))


@router.put(API, response_model=AdapterOut)
async def put_adapter(
    body: AdapterPut, request: Request, db: DbSession, principal: Configurer
) -> Response:
    """Save the profile (a shipped one's name copies it) and the endpoints it serves; 422 lists
    every problem and saves nothing. Needs X-CSRF-Token."""
    settings = service.check_adapter(body.model_dump(include={"profile", "endpoints"}))
    secrets = service.check_secrets(body.key, body.token)
    state, changes = await service.save_adapter(
        db, principal.store_id, settings, get_state(request).secret_box, **secrets
    )
    await record_change(request, db, principal, changes)
    return model_response(adapter_out(state))


@router.delete(API, response_model=AdapterOut)
async def delete_adapter(request: Request, db: DbSession, principal: Configurer) -> Response:
    """Remove the adapter: every endpoint is read from its contract URL again. X-CSRF-Token."""
    state, changes = await service.remove_adapter(db, principal.store_id)
    await record_change(request, db, principal, changes)
    return model_response(adapter_out(state))


@router.post(f"{API}/preview", response_model=PreviewOut)
async def preview_adapter(
    body: PreviewIn, request: Request, db: DbSession, principal: Tester
) -> Response:
    """One endpoint's mapping on a pasted ERP answer (offline), or on a live read of the ERP
    when no answer is given; errors name their mapping line. Needs X-CSRF-Token."""
    result = await run_preview(request, db, principal, body)
    return model_response(preview_out(result))


async def run_preview(
    request: Request, db: AsyncSession, principal: AdminPrincipal, body: PreviewIn
) -> preview.PreviewResult:
    """The preview the API and the page share."""
    state = get_state(request)
    profile = await service.preview_profile(db, principal.store_id, body.profile)
    inputs = preview.PreviewInputs(
        endpoint=body.endpoint.strip(),
        customer_code=body.customer_code.strip(),
        answer=body.answer,
        order_id=body.order_id.strip(),
        invoice_id=body.invoice_id.strip(),
    )
    plan = preview.check_inputs(inputs, profile)
    assert profile is not None
    if plan.answer is not None:
        seconds = plan.endpoint.default_timeout_seconds
        return await preview.preview_answer(state.gateway, profile, plan, seconds=seconds)
    return await preview.preview_live(
        state.gateway, state.secret_box, db, principal.store_id, profile, plan
    )


def preview_out(result: preview.PreviewResult) -> PreviewOut:
    return PreviewOut(
        ok=result.ok,
        mapped=result.mapped,
        errors=[PreviewError(message=m, line=line) for m, line in result.errors],
        requests=[PreviewRequest.model_validate(r) for r in result.requests],
        note=result.note,
    )
