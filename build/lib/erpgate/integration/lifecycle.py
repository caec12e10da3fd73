"""Start-up of the integration domain: the stores ERPGATE_ALLOWED_PRIVATE_HOSTS entries name."""

from __future__ import annotations

from erpgate.config import ConfigError
from erpgate.db.engine import SessionFactory
from erpgate.erp.options import ErpClientOptions
from erpgate.store import service as store_service
from erpgate.web.state import AppState


async def bind_private_host_stores(factory: SessionFactory, options: ErpClientOptions) -> None:
    """Give the SSRF guard the id of every store an allowlist entry names, once at start-up.

    A store that does not exist refuses the start: a typo would otherwise quietly allow nothing
    (and a store created later needs a restart to be known here, like any change of the list).
    """
    slugs = options.named_stores
    if not slugs:
        return
    async with factory() as db:
        stores = {slug: await store_service.find_store_by_slug(db, slug) for slug in sorted(slugs)}
    missing = [slug for slug, store in stores.items() if store is None]
    if missing:
        raise ConfigError(
            f"ERPGATE_ALLOWED_PRIVATE_HOSTS names stores that do not exist: {', '.join(missing)}."
            " Create them first (erpgate create-store) or correct the entries. After an entry"
            " with @, a bare name is one more store of it: list such a host before those entries."
        )
    options.bind_stores((slug, store.id) for slug, store in stores.items() if store is not None)


async def startup(state: AppState) -> None:
    await bind_private_host_stores(state.session_factory, state.gateway.options)


async def shutdown(state: AppState) -> None:
    return None
