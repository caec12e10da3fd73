"""Integration rules: which endpoints are live, and how to reach them with the store's credentials."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.engine import after_commit
from erpgate.erp.credentials import AuthStyle, Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.targets import ErpTarget, build_target
from erpgate.integration import repository
from erpgate.integration.adapter import adapter_targets
from erpgate.kit.crypto import SecretBox
from erpgate.kit.local_cache import INTEGRATIONS, LocalCache, changed, generation
from erpgate.models.integration import Integration

URL_FIELDS: dict[Endpoint, str] = {endpoint: f"{endpoint.value}_url" for endpoint in Endpoint}
TAX_POLICIES = ("estimate", "block")


@dataclass(frozen=True, slots=True)
class LiveIntegration:
    """A snapshot of one store's integration that request code can use without the ORM row.

    ``targets`` holds one checked ``ErpTarget`` per configured endpoint: URL, credentials and
    timeout are judged once here, when the snapshot is built, not on every call.
    """

    store_id: uuid.UUID
    installed: bool
    urls: dict[Endpoint, str]
    timeouts: dict[Endpoint, float]
    credentials: Credentials
    tax_failure_policy: str
    stale_max_age_seconds: int
    order_retry_hours: int
    price_cache_seconds: int
    stock_cache_seconds: int
    notify_sender: str | None
    notify_receivers: tuple[str, ...]
    targets: dict[Endpoint, ErpTarget]
    adapted: frozenset[Endpoint] = frozenset()  # endpoints the adapter profile serves

    def is_enabled(self, endpoint: Endpoint) -> bool:
        return self.installed and endpoint in self.targets

    def target(self, endpoint: Endpoint) -> ErpTarget | None:
        return self.targets.get(endpoint) if self.installed else None

    @property
    def enabled_endpoints(self) -> frozenset[Endpoint]:
        return frozenset(e for e in Endpoint if self.is_enabled(e))


def _decrypt(box: SecretBox, ciphertext: str | None) -> str:
    return box.decrypt(ciphertext) if ciphertext else ""


def endpoint_url(integration: Integration, endpoint: Endpoint) -> str | None:
    value: str | None = getattr(integration, URL_FIELDS[endpoint])
    return value


def snapshot(
    integration: Integration, box: SecretBox, options: ErpClientOptions, store_slug: str = ""
) -> LiveIntegration:
    timeouts = {
        endpoint: float(integration.timeouts.get(endpoint.value, endpoint.default_timeout_seconds))
        for endpoint in Endpoint
    }
    urls = {e: url for e in Endpoint if (url := endpoint_url(integration, e))}
    style: AuthStyle = integration.auth_style  # type: ignore[assignment]
    credentials = Credentials(
        auth_style=style,
        key=_decrypt(box, integration.key_encrypted),
        token=_decrypt(box, integration.token_encrypted),
        token_url=integration.oauth_token_url,
    )
    targets = {
        endpoint: build_target(
            options,
            store_id=integration.store_id,
            endpoint=endpoint,
            url=url,
            timeout_seconds=timeouts[endpoint],
            credentials=credentials,
            store_slug=store_slug,
        )
        for endpoint, url in urls.items()
    }
    # An endpoint the adapter serves is read through the profile, whatever its URL says.
    adapted = adapter_targets(
        integration.adapter,
        options,
        box,
        store_id=integration.store_id,
        timeouts=timeouts,
        store_slug=store_slug,
    )
    targets.update(adapted)
    urls.update({endpoint: target.url for endpoint, target in adapted.items()})
    return LiveIntegration(
        store_id=integration.store_id,
        installed=integration.installed,
        urls=urls,
        timeouts=timeouts,
        credentials=credentials,
        tax_failure_policy=integration.tax_failure_policy,
        stale_max_age_seconds=integration.stale_max_age_seconds,
        order_retry_hours=integration.order_retry_hours,
        price_cache_seconds=integration.price_cache_seconds,
        stock_cache_seconds=integration.stock_cache_seconds,
        notify_sender=integration.notify_sender,
        notify_receivers=tuple(integration.notify_receivers or ()),
        targets=targets,
        adapted=frozenset(adapted),
    )


def not_installed(store_id: uuid.UUID) -> LiveIntegration:
    return LiveIntegration(
        store_id=store_id,
        installed=False,
        urls={},
        timeouts={e: e.default_timeout_seconds for e in Endpoint},
        credentials=Credentials(),
        tax_failure_policy="estimate",
        stale_max_age_seconds=24 * 3600,
        order_retry_hours=24,
        price_cache_seconds=300,
        stock_cache_seconds=30,
        notify_sender=None,
        notify_receivers=(),
        targets={},
    )


# Snapshots by (store, secret box, options): skips the query, the Fernet decrypts and the target
# checks on hot paths. Saved settings, installs and key rotations in this process clear it; other
# processes' changes apply within the TTL the caller passes (ERPGATE_INTEGRATION_CACHE_SECONDS).
_live: LocalCache[tuple[uuid.UUID, int, int], LiveIntegration] = LocalCache((INTEGRATIONS,))


def integration_changed(db: AsyncSession) -> None:
    """Call after changing any store's integration row, so this process stops using old copies:
    at once, and again when the transaction commits."""
    changed(INTEGRATIONS)
    after_commit(db, lambda: changed(INTEGRATIONS))


def load_cached_integration(
    store_id: uuid.UUID, box: SecretBox, options: ErpClientOptions, cache_seconds: float
) -> LiveIntegration | None:
    """The snapshot this process loaded less than ``cache_seconds`` ago, if any (no I/O)."""
    if cache_seconds <= 0:
        return None
    return _live.get((store_id, id(box), id(options)), cache_seconds)


async def load_live_integration(
    db: AsyncSession,
    store_id: uuid.UUID,
    box: SecretBox,
    options: ErpClientOptions,
    *,
    cache_seconds: float = 0.0,
) -> LiveIntegration:
    key = (store_id, id(box), id(options))
    if cache_seconds > 0:
        cached = _live.get(key, cache_seconds)
        if cached is not None:
            return cached
    as_of = generation(_live.topics)
    integration, slug = await repository.get_with_store_slug(db, store_id)
    live = (
        not_installed(store_id)
        if integration is None
        else snapshot(integration, box, options, store_slug=slug)
    )
    _live.put(key, live, cache_seconds, as_of=as_of)
    return live


async def get_integration(db: AsyncSession, store_id: uuid.UUID) -> Integration | None:
    return await repository.get_for_store(db, store_id)


async def install(
    db: AsyncSession,
    store_id: uuid.UUID,
    box: SecretBox,
    *,
    key: str = "",
    token: str = "",
    auth_style: str = "bearer",
    oauth_token_url: str | None = None,
    urls: dict[Endpoint, str] | None = None,
    notify_sender: str | None = None,
    notify_receivers: list[str] | None = None,
    tax_failure_policy: str = "estimate",
) -> Integration:
    """Install (or re-install) the app. Validation of user input lives with the settings form."""
    integration = await repository.get_for_store(db, store_id)
    if integration is None:
        integration = await repository.add(db, Integration(store_id=store_id, timeouts={}))
    integration.installed = True
    integration.key_encrypted = box.encrypt(key) if key else None
    integration.token_encrypted = box.encrypt(token) if token else None
    integration.auth_style = auth_style
    integration.oauth_token_url = oauth_token_url
    for endpoint, url in (urls or {}).items():
        setattr(integration, URL_FIELDS[endpoint], url)
    integration.notify_sender = notify_sender
    integration.notify_receivers = list(notify_receivers or [])
    integration.tax_failure_policy = tax_failure_policy
    await db.flush()
    integration_changed(db)
    return integration


async def rotate_secrets(db: AsyncSession, box: SecretBox) -> int:
    """Re-encrypt every stored secret under the first key; returns how many rows changed."""
    rows = await repository.list_with_secrets(db)
    for row in rows:
        if row.key_encrypted:
            row.key_encrypted = box.rotate(row.key_encrypted)
        if row.token_encrypted:
            row.token_encrypted = box.rotate(row.token_encrypted)
    await db.flush()
    integration_changed(db)
    return len(rows)


async def set_installed(db: AsyncSession, store_id: uuid.UUID, installed: bool) -> Integration:
    """Install or uninstall the app without touching its settings.

    Uninstalling switches every live feature off (``is_enabled`` is False for every endpoint) but
    keeps URLs and encrypted secrets, so installing again restores the last configuration.
    Events stay: they belong to the store, not to the app.
    """
    integration = await repository.get_for_store(db, store_id)
    if integration is None:
        integration = await repository.add(db, Integration(store_id=store_id, timeouts={}))
    integration.installed = installed
    await db.flush()
    integration_changed(db)
    return integration
