"""Every query of the problems domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.upsert import insert_ignoring_conflicts
from erpgate.models.problem import Problem, ProblemCustomer
from erpgate.models.store import Store


@dataclass(frozen=True, slots=True)
class ProblemFilters:
    state: str | None = None
    endpoint: str | None = None
    code: str | None = None
    customer_code: str | None = None


async def insert_if_absent(db: AsyncSession, row: dict[str, Any]) -> bool:
    """True when the row was inserted; False when its key (or, rarely, its code) exists."""
    table = Problem.__table__
    return await insert_ignoring_conflicts(db, table, [row]) == 1  # type: ignore[arg-type]


async def by_key(
    db: AsyncSession, store_id: uuid.UUID, endpoint: str, kind: str, customer_key: str
) -> Problem | None:
    query = select(Problem).where(
        Problem.store_id == store_id,
        Problem.endpoint == endpoint,
        Problem.kind == kind,
        Problem.customer_key == customer_key,
    )
    query = query.with_for_update().execution_options(populate_existing=True)
    return (await db.execute(query)).scalar_one_or_none()


async def by_ids(db: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Problem]:
    if not ids:
        return []
    query = (
        select(Problem)
        .where(Problem.id.in_(ids))
        .order_by(Problem.id)  # every writer locks in the same order (no deadlock between them)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await db.execute(query)).scalars())


async def get(db: AsyncSession, store_id: uuid.UUID, problem_id: uuid.UUID) -> Problem | None:
    query = select(Problem).where(Problem.store_id == store_id, Problem.id == problem_id)
    return (await db.execute(query)).scalar_one_or_none()


async def unresolved(db: AsyncSession) -> list[Problem]:
    query = select(Problem).where(Problem.state != "resolved")
    return list((await db.execute(query)).scalars())


async def count_unresolved_by_store(db: AsyncSession) -> list[tuple[str, str, str, int]]:
    """(store slug, endpoint, state, count) of the problems not resolved, for /metrics."""
    query = (
        select(Store.slug, Problem.endpoint, Problem.state, func.count())
        .join(Store, Store.id == Problem.store_id)
        .where(Problem.state != "resolved")
        .group_by(Store.slug, Problem.endpoint, Problem.state)
    )
    return [(slug, endpoint, state, int(n)) for slug, endpoint, state, n in await db.execute(query)]


async def add_counts(
    db: AsyncSession,
    problem_id: uuid.UUID,
    *,
    occurrences: int,
    refusals: int,
    error: str,
    last_seen: datetime,
) -> None:
    """Increments, so instances adding to one problem at once never overwrite each other."""
    await db.execute(
        update(Problem)
        .where(Problem.id == problem_id)
        .execution_options(synchronize_session=False)  # rows are read back afterwards
        .values(
            occurrences=Problem.occurrences + occurrences,
            refusals=Problem.refusals + refusals,
            held_back=Problem.held_back + occurrences + refusals,
            error=error,
            last_seen=case((Problem.last_seen < last_seen, last_seen), else_=Problem.last_seen),
        )
    )


async def insert_customers(
    db: AsyncSession, problem_id: uuid.UUID, codes: set[str], now: datetime
) -> None:
    rows = [
        {"problem_id": problem_id, "customer_code": code[:64], "first_seen": now} for code in codes
    ]
    await insert_ignoring_conflicts(db, ProblemCustomer.__table__, rows)  # type: ignore[arg-type]


async def add_customers(
    db: AsyncSession, problem_id: uuid.UUID, codes: set[str], now: datetime
) -> int:
    """Record the customers (once each, across instances); returns the distinct count."""
    await insert_customers(db, problem_id, codes, now)
    query = select(func.count()).where(ProblemCustomer.problem_id == problem_id)
    count = int((await db.execute(query)).scalar_one())
    await db.execute(
        update(Problem)
        .where(Problem.id == problem_id)
        .execution_options(synchronize_session=False)
        .values(customers=count)
    )
    return count


async def quiet_since(db: AsyncSession, before: datetime) -> list[Problem]:
    """Open or acknowledged problems whose last failure is older than ``before``."""
    query = (
        select(Problem)
        .where(Problem.state != "resolved", Problem.last_seen < before)
        .with_for_update(skip_locked=True)
    )
    return list((await db.execute(query)).scalars())


async def due_for_mail(db: AsyncSession, mailed_before: datetime) -> list[Problem]:
    """Open problems with failures not reported by an e-mail yet (the opening included), and no
    e-mail within the throttle window."""
    query = (
        select(Problem)
        .where(
            Problem.state == "open",
            Problem.held_back > 0,
            or_(Problem.last_mailed_at.is_(None), Problem.last_mailed_at <= mailed_before),
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list((await db.execute(query)).scalars())


def _filtered(query: Any, filters: ProblemFilters) -> Any:
    if filters.state:
        query = query.where(Problem.state == filters.state)
    if filters.endpoint:
        query = query.where(Problem.endpoint == filters.endpoint)
    if filters.code:
        query = query.where(Problem.code == filters.code)
    if filters.customer_code:
        query = query.where(Problem.customer_key == filters.customer_code)
    return query


async def list_problems(
    db: AsyncSession, store_id: uuid.UUID, filters: ProblemFilters, *, limit: int, offset: int
) -> list[Problem]:
    query = _filtered(select(Problem).where(Problem.store_id == store_id), filters)
    # Open problems first, then the most recently failing.
    order = case((Problem.state == "open", 0), (Problem.state == "acknowledged", 1), else_=2)
    query = query.order_by(order, Problem.last_seen.desc(), Problem.id).limit(limit).offset(offset)
    return list((await db.execute(query)).scalars())


async def count_open(db: AsyncSession, store_id: uuid.UUID) -> int:
    query = select(func.count()).where(Problem.store_id == store_id, Problem.state == "open")
    return int((await db.execute(query)).scalar_one())


async def customer_codes(db: AsyncSession, problem_id: uuid.UUID, limit: int) -> list[str]:
    query = (
        select(ProblemCustomer.customer_code)
        .where(ProblemCustomer.problem_id == problem_id)
        .order_by(ProblemCustomer.first_seen, ProblemCustomer.customer_code)
        .limit(limit)
    )
    return list((await db.execute(query)).scalars())
