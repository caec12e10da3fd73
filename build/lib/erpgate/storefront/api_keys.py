"""Store API keys for headless storefronts: shown once, stored as a sha256 digest, revocable."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.errors import NotFound, ValidationFailed
from erpgate.kit.clock import utcnow
from erpgate.kit.crypto import token_digest
from erpgate.kit.ids import new_token
from erpgate.models.api_key import ApiKey
from erpgate.storefront import repository

KEY_PREFIX = "egk_"
PREFIX_SHOWN = 12  # "egk_" and 8 characters: enough to tell keys apart, useless to an attacker


async def create_api_key(db: AsyncSession, store_id: uuid.UUID, name: str) -> tuple[ApiKey, str]:
    """A new key: the record (digest and prefix only) and the plaintext, to be shown once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            "An API key needs a name of 1-100 characters.", fields={"name": "required"}
        )
    plaintext = KEY_PREFIX + new_token(32)
    record = ApiKey(
        store_id=store_id,
        name=name,
        prefix=plaintext[:PREFIX_SHOWN],
        key_digest=token_digest(plaintext),
    )
    await repository.add_api_key(db, record)
    return record, plaintext


async def revoke_api_key(
    db: AsyncSession, store_id: uuid.UUID, key_id: uuid.UUID, now: datetime | None = None
) -> ApiKey:
    record = await repository.get_api_key(db, store_id, key_id)
    if record is None:
        raise NotFound("No such API key in this store.")
    if record.revoked_at is None:
        record.revoked_at = now or utcnow()
        await db.flush()
    return record


async def list_api_keys(db: AsyncSession, store_id: uuid.UUID) -> list[ApiKey]:
    return await repository.list_api_keys(db, store_id)


async def authenticate_api_key(db: AsyncSession, plaintext: str, now: datetime) -> ApiKey | None:
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 128:
        return None
    record = await repository.find_api_key(db, token_digest(plaintext))
    # Written at most once a minute per key: a headless shop calling often must not turn every
    # read into a write.
    if record is not None and (
        record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60
    ):
        record.last_used_at = now
    return record
