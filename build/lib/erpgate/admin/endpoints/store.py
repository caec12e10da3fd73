"""The store's own settings, page and JSON API: the locale its buyers' pages are shown in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from erpgate.admin import service as admin_service
from erpgate.admin.deps import AdminPrincipal, check_csrf, require, require_api_write
from erpgate.admin.roles import Capability
from erpgate.admin.schemas import StoreSettingsPatch, store_json
from erpgate.errors import ValidationFailed
from erpgate.models.store import Store
from erpgate.store import service as store_service
from erpgate.web.db import DbSession
from erpgate.web.pages import render
from erpgate.web.state import get_state

router = APIRouter(tags=["admin"])

PAGE_PATH = "/admin/store"

Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]
Configurer = Annotated[AdminPrincipal, require(Capability.CONFIGURE)]
ApiConfigurer = Annotated[AdminPrincipal, require_api_write(Capability.CONFIGURE)]


def _page(
    request: Request,
    principal: AdminPrincipal,
    store: Store,
    *,
    locale: str,
    errors: dict[str, str],
    flashes: list[tuple[str, str]],
    status_code: int = 200,
) -> Response:
    # The page's own store is not "store": that name makes the filters use the store's locale,
    # which is for the buyers' pages.
    context = {
        "principal": principal,
        "shop": store,
        "values": {"locale": locale},
        "errors": errors,
        "flashes": flashes,
    }
    return render(request, "admin/store.html", context, status_code=status_code)


@router.get(PAGE_PATH, include_in_schema=False)
async def store_page(request: Request, db: DbSession, principal: Viewer) -> Response:
    store = await store_service.get_store(db, principal.store_id)
    saved = request.query_params.get("done") == "saved"
    flashes = [("ok", "Store settings saved.")] if saved else []
    return _page(request, principal, store, locale=store.locale, errors={}, flashes=flashes)


@router.post(PAGE_PATH, include_in_schema=False)
async def save_store_page(
    request: Request,
    db: DbSession,
    principal: Configurer,
    csrf_token: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(principal, csrf_token)
    now = get_state(request).clock.now()
    try:
        await admin_service.set_store_locale(
            db, principal.admin, principal.store_id, locale, now=now
        )
    except ValidationFailed as exc:  # nothing was changed
        store = await store_service.get_store(db, principal.store_id)
        flashes = [("error", exc.message)]
        return _page(
            request,
            principal,
            store,
            locale=locale,
            errors=exc.fields,
            flashes=flashes,
            status_code=422,
        )
    return RedirectResponse(f"{PAGE_PATH}?done=saved", status_code=303)


@router.get("/api/v1/admin/store")
async def get_store_settings(db: DbSession, principal: Viewer) -> dict[str, Any]:
    """The store's settings: slug, name, currency and locale."""
    return store_json(await store_service.get_store(db, principal.store_id))


@router.patch("/api/v1/admin/store")
async def patch_store_settings(
    body: StoreSettingsPatch, request: Request, db: DbSession, principal: ApiConfigurer
) -> dict[str, Any]:
    """Change the store's locale (needs X-CSRF-Token); an unknown locale is 422, nothing saved."""
    now = get_state(request).clock.now()
    store = await admin_service.set_store_locale(
        db, principal.admin, principal.store_id, body.locale, now=now
    )
    return store_json(store)
