"""Every query of the delivery domain: the order_delivery outbox rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.kit.clock import ensure_utc
from erpgate.models.order_delivery import OPEN_STATES, OrderDelivery


async def add(db: AsyncSession, row: OrderDelivery) -> None:
    db.add(row)
    await db.flush()


def _claimable(now: datetime) -> Any:
    return or_(
        and_(OrderDelivery.state == "queued", OrderDelivery.next_attempt_at <= now),
        # A worker died (or was killed) while sending: its lease ran out, the row is due again.
        and_(OrderDelivery.state == "sending", OrderDelivery.lease_expires_at <= now),
    )


async def claimable_ids(
    db: AsyncSession, now: datetime, limit: int, *, skip_locked: bool
) -> list[uuid.UUID]:
    query = (
        select(OrderDelivery.id)
        .where(_claimable(now))
        .order_by(OrderDelivery.next_attempt_at)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list((await db.execute(query)).scalars())


async def claim(
    db: AsyncSession, delivery_id: uuid.UUID, now: datetime, lease_until: datetime, token: str
) -> bool:
    """Conditional claim: only one worker's UPDATE matches, whatever the database."""
    result = await db.execute(
        update(OrderDelivery)
        .where(OrderDelivery.id == delivery_id, _claimable(now))
        .values(
            state="sending",
            claim_token=token,
            lease_expires_at=lease_until,
            attempts=OrderDelivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def get_many(db: AsyncSession, ids: Sequence[uuid.UUID]) -> list[OrderDelivery]:
    if not ids:
        return []
    query = select(OrderDelivery).where(OrderDelivery.id.in_(ids))
    return list((await db.execute(query)).scalars())


async def finish(db: AsyncSession, delivery_id: uuid.UUID, token: str, **values: Any) -> bool:
    """Record an attempt's result, but only while this worker still holds the claim."""
    result = await db.execute(
        update(OrderDelivery)
        .where(OrderDelivery.id == delivery_id, OrderDelivery.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def change_state(
    db: AsyncSession,
    store_id: uuid.UUID,
    delivery_id: uuid.UUID,
    from_states: Sequence[str],
    **values: Any,
) -> bool:
    """An admin's action on one of the store's rows, only from the states it applies to (a
    worker holding the row, or a concurrent action, makes it a no-op)."""
    result = await db.execute(
        update(OrderDelivery)
        .where(
            OrderDelivery.id == delivery_id,
            OrderDelivery.store_id == store_id,
            OrderDelivery.state.in_(from_states),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def get(
    db: AsyncSession, store_id: uuid.UUID, delivery_id: uuid.UUID
) -> OrderDelivery | None:
    query = select(OrderDelivery).where(
        OrderDelivery.id == delivery_id, OrderDelivery.store_id == store_id
    )
    return (await db.execute(query)).scalar_one_or_none()


async def for_orders(
    db: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, OrderDelivery]:
    if not order_ids:
        return {}
    query = select(OrderDelivery).where(OrderDelivery.order_id.in_(order_ids))
    return {row.order_id: row for row in (await db.execute(query)).scalars() if row.order_id}


async def list_for_store(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    states: Sequence[str] | None,
    search: str | None,
    offset: int,
    limit: int,
) -> list[OrderDelivery]:
    """Newest first; ``limit`` + 1 rows tell the caller whether there is a next page."""
    query = select(OrderDelivery).where(OrderDelivery.store_id == store_id)
    if states:
        query = query.where(OrderDelivery.state.in_(states))
    if search:
        needle = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(OrderDelivery.order_number).like(needle),
                func.lower(OrderDelivery.customer_code).like(needle),
                func.lower(func.coalesce(OrderDelivery.erp_order_number, "")).like(needle),
            )
        )
    query = query.order_by(OrderDelivery.created_at.desc(), OrderDelivery.id).offset(offset)
    return list((await db.execute(query.limit(limit))).scalars())


async def count_by_state(db: AsyncSession, store_id: uuid.UUID) -> dict[str, int]:
    query = (
        select(OrderDelivery.state, func.count())
        .where(OrderDelivery.store_id == store_id)
        .group_by(OrderDelivery.state)
    )
    return {state: int(n) for state, n in (await db.execute(query)).all()}


async def backlog(db: AsyncSession) -> tuple[int, datetime | None]:
    """(rows waiting, oldest creation time) of the deliveries queued or being sent."""
    query = select(func.count(), func.min(OrderDelivery.created_at)).where(
        OrderDelivery.state.in_(OPEN_STATES)
    )
    count, first = (await db.execute(query)).one()
    return int(count), ensure_utc(first) if first else None
