"""Every query of the storefront domain: cached ERP answers, API keys, buyer look-ups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.admin_user import AdminUser
from erpgate.models.api_key import ApiKey
from erpgate.models.erp_answer_cache import ErpAnswerCache
from erpgate.models.user import User


async def get_cached_answer(
    db: AsyncSession, store_id: uuid.UUID, customer_code: str, endpoint: str, digest: str
) -> ErpAnswerCache | None:
    result = await db.execute(
        select(ErpAnswerCache).where(
            ErpAnswerCache.store_id == store_id,
            ErpAnswerCache.customer_code == customer_code,
            ErpAnswerCache.endpoint == endpoint,
            ErpAnswerCache.request_digest == digest,
        )
    )
    return result.scalar_one_or_none()


async def save_answer(
    db: AsyncSession,
    store_id: uuid.UUID,
    customer_code: str,
    endpoint: str,
    digest: str,
    answer: dict[str, Any],
    now: datetime,
) -> None:
    """Upsert by trying the UPDATE first (the common case once warm), then an INSERT."""
    result = await db.execute(
        update(ErpAnswerCache)
        .where(
            ErpAnswerCache.store_id == store_id,
            ErpAnswerCache.customer_code == customer_code,
            ErpAnswerCache.endpoint == endpoint,
            ErpAnswerCache.request_digest == digest,
        )
        .values(answer=answer, fetched_at=now)
    )
    if int(result.rowcount or 0):  # type: ignore[attr-defined]
        return
    try:
        # A savepoint: two requests racing to insert the same key must not fail the page.
        async with db.begin_nested():
            db.add(
                ErpAnswerCache(
                    store_id=store_id,
                    customer_code=customer_code,
                    endpoint=endpoint,
                    request_digest=digest,
                    answer=answer,
                    fetched_at=now,
                )
            )
    except IntegrityError:
        pass


async def save_answers(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Upsert a batch of answers (one row per key): a SELECT for the keys that exist, one
    executemany UPDATE by id for those, one INSERT for the rest. Another process inserting the
    same key meanwhile makes the INSERT fail; then each row goes through ``save_answer``."""
    if not rows:
        return
    # One SELECT per (store, customer, endpoint) in the batch (usually one), so the unique index
    # on (store_id, customer_code, endpoint, request_digest) serves it instead of a table scan.
    groups: dict[tuple[uuid.UUID, str, str], set[str]] = {}
    for row in rows:
        group = (row["store_id"], row["customer_code"], row["endpoint"])
        groups.setdefault(group, set()).add(row["request_digest"])
    existing: dict[tuple[uuid.UUID, str, str, str], uuid.UUID] = {}
    for (store_id, customer_code, endpoint), digests in groups.items():
        found = await db.execute(
            select(ErpAnswerCache.id, ErpAnswerCache.request_digest).where(
                ErpAnswerCache.store_id == store_id,
                ErpAnswerCache.customer_code == customer_code,
                ErpAnswerCache.endpoint == endpoint,
                ErpAnswerCache.request_digest.in_(digests),
            )
        )
        for answer_id, digest in found:
            existing[(store_id, customer_code, endpoint, digest)] = answer_id
    updates, inserts = [], []
    for row in rows:
        key = (row["store_id"], row["customer_code"], row["endpoint"], row["request_digest"])
        if key in existing:
            updates.append(
                {"id": existing[key], "answer": row["answer"], "fetched_at": row["fetched_at"]}
            )
        else:
            inserts.append({"id": uuid.uuid4(), **row})
    if updates:
        await db.execute(update(ErpAnswerCache), updates)
    if not inserts:
        return
    try:
        async with db.begin_nested():
            await db.execute(insert(ErpAnswerCache), inserts)
    except IntegrityError:
        for row in inserts:
            await save_answer(
                db,
                row["store_id"],
                row["customer_code"],
                row["endpoint"],
                row["request_digest"],
                row["answer"],
                row["fetched_at"],
            )


async def users_by_email(db: AsyncSession, email: str) -> list[User]:
    result = await db.execute(select(User).where(User.email == email))
    return list(result.scalars())


async def admin_email(db: AsyncSession, admin_id: uuid.UUID) -> str | None:
    result = await db.execute(select(AdminUser.email).where(AdminUser.id == admin_id))
    return result.scalar_one_or_none()


async def add_api_key(db: AsyncSession, key: ApiKey) -> ApiKey:
    db.add(key)
    await db.flush()
    return key


async def find_api_key(db: AsyncSession, digest: str) -> ApiKey | None:
    result = await db.execute(
        select(ApiKey).where(ApiKey.key_digest == digest, ApiKey.revoked_at.is_(None))
    )
    return result.scalar_one_or_none()


async def get_api_key(db: AsyncSession, store_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
    result = await db.execute(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.store_id == store_id)
    )
    return result.scalar_one_or_none()


async def list_api_keys(db: AsyncSession, store_id: uuid.UUID) -> list[ApiKey]:
    result = await db.execute(
        select(ApiKey).where(ApiKey.store_id == store_id).order_by(ApiKey.created_at.desc())
    )
    return list(result.scalars())
