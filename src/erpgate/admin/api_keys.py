"""The "API keys" section of the app settings page, over the storefront's API key service.

The storefront domain owns API keys (it is the one that checks them); this module only calls its
service for the admin's own store and writes the audit rows.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal
from erpgate.models.api_key import ApiKey
from erpgate.storefront import api_keys as api_key_service
from erpgate.web.state import AppState


async def list_keys(db: AsyncSession, store_id: uuid.UUID) -> list[ApiKey]:
    return await api_key_service.list_api_keys(db, store_id)


async def create_key(
    state: AppState, db: AsyncSession, principal: AdminPrincipal, label: str
) -> str:
    """Create a key for the admin's store; returns the plaintext, to be shown once."""
    name = label.strip()[:100] or "API key"
    record, plaintext = await api_key_service.create_api_key(db, principal.store_id, name)
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.API_KEY_CREATED,
        now=state.clock.now(),
        subject=f"{record.name} ({record.prefix}…)",
    )
    return plaintext


async def revoke_key(
    state: AppState, db: AsyncSession, principal: AdminPrincipal, key_id: uuid.UUID
) -> None:
    record = await api_key_service.revoke_api_key(
        db, principal.store_id, key_id, now=state.clock.now()
    )
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.API_KEY_REVOKED,
        now=state.clock.now(),
        subject=f"{record.name} ({record.prefix}…)",
    )
