"""Every query of the events domain. All reads take the store id: one store never sees another's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.bulk import BulkInsert
from erpgate.logging import get_logger
from erpgate.models.event import Event
from erpgate.models.related_request import RelatedRequest
from erpgate.models.saved_answer import SavedAnswer

log = get_logger(__name__)


# The writer's batches go through the driver's executemany (db/bulk.py): the ORM bulk path, and
# even a Core INSERT, cost several times the CPU per row, on the request loop.
_EVENTS = BulkInsert(cast(Table, Event.__table__))
_REQUESTS = BulkInsert(cast(Table, RelatedRequest.__table__))


async def insert_events(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One INSERT for the batch; a duplicate trace id (a caller reusing one) falls back to rows."""
    try:
        async with db.begin_nested():
            await _EVENTS.run(db, rows)
    except IntegrityError:
        for row in rows:
            try:
                async with db.begin_nested():
                    await _EVENTS.run(db, [row])
            except IntegrityError:
                log.warning("event_duplicate_trace_id", trace_id=row.get("trace_id"))


async def insert_requests(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await _REQUESTS.run(db, rows)


@dataclass(frozen=True, slots=True)
class EventFilters:
    type: str | None = None
    outcome: str | None = None
    customer_code: str | None = None
    user_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    trace_prefix: str | None = None
    reference: str | None = None
    problem_id: uuid.UUID | None = None
    endpoint: str | None = None


async def list_events(
    db: AsyncSession, store_id: uuid.UUID, filters: EventFilters, *, limit: int, offset: int
) -> list[Event]:
    query = select(Event).where(Event.store_id == store_id)
    if filters.type:
        # A type also names its family: "integration.test" finds "integration.test.orders".
        query = query.where(
            or_(
                Event.type == filters.type,
                Event.type.startswith(filters.type + ".", autoescape=True),
            )
        )
    if filters.outcome:
        query = query.where(Event.outcome == filters.outcome)
    if filters.customer_code:
        query = query.where(Event.customer_code == filters.customer_code)
    if filters.user_id:
        query = query.where(Event.user_id == filters.user_id)
    if filters.since:
        query = query.where(Event.occurred_at >= filters.since)
    if filters.until:
        query = query.where(Event.occurred_at < filters.until)
    if filters.trace_prefix:
        # Hex only (checked by the service), so LIKE needs no escaping.
        query = query.where(Event.trace_id.like(filters.trace_prefix + "%"))
    if filters.reference:
        query = query.where(Event.reference == filters.reference)
    if filters.problem_id:
        query = query.where(Event.problem_id == filters.problem_id)
    if filters.endpoint:
        query = query.where(Event.endpoint == filters.endpoint)
    query = query.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit).offset(offset)
    return list((await db.execute(query)).scalars())


async def get_event(db: AsyncSession, store_id: uuid.UUID, event_id: uuid.UUID) -> Event | None:
    query = select(Event).where(Event.id == event_id, Event.store_id == store_id)
    return (await db.execute(query)).scalar_one_or_none()


async def find_event_by_trace(db: AsyncSession, store_id: uuid.UUID, trace_id: str) -> Event | None:
    query = select(Event).where(Event.trace_id == trace_id, Event.store_id == store_id)
    return (await db.execute(query)).scalar_one_or_none()


async def requests_for_trace(
    db: AsyncSession, store_id: uuid.UUID, trace_id: str
) -> list[RelatedRequest]:
    query = (
        select(RelatedRequest)
        .where(RelatedRequest.store_id == store_id, RelatedRequest.trace_id == trace_id)
        .order_by(RelatedRequest.started_at, RelatedRequest.attempt)
    )
    return list((await db.execute(query)).scalars())


async def requests_for_traces(
    db: AsyncSession, store_id: uuid.UUID, trace_ids: list[str]
) -> dict[str, list[RelatedRequest]]:
    """The related requests of several events at once, each event's in the order they went."""
    if not trace_ids:
        return {}
    query = (
        select(RelatedRequest)
        .where(RelatedRequest.store_id == store_id, RelatedRequest.trace_id.in_(trace_ids))
        .order_by(RelatedRequest.started_at, RelatedRequest.attempt)
    )
    found: dict[str, list[RelatedRequest]] = {}
    for row in (await db.execute(query)).scalars():
        found.setdefault(row.trace_id, []).append(row)
    return found


async def events_by_traces(
    db: AsyncSession, store_id: uuid.UUID, trace_ids: list[str]
) -> dict[str, uuid.UUID]:
    query = select(Event.trace_id, Event.id).where(
        Event.store_id == store_id, Event.trace_id.in_(trace_ids)
    )
    return {trace: event_id for trace, event_id in await db.execute(query)}


async def get_request(
    db: AsyncSession, store_id: uuid.UUID, request_id: uuid.UUID
) -> RelatedRequest | None:
    query = select(RelatedRequest).where(
        RelatedRequest.id == request_id, RelatedRequest.store_id == store_id
    )
    return (await db.execute(query)).scalar_one_or_none()


async def distinct_types(db: AsyncSession, store_id: uuid.UUID) -> list[str]:
    query = select(Event.type).where(Event.store_id == store_id).distinct().order_by(Event.type)
    return list((await db.execute(query)).scalars())


async def purge_events(db: AsyncSession, before: datetime) -> int:
    result = await db.execute(delete(Event).where(Event.occurred_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_requests(db: AsyncSession, before: datetime) -> int:
    result = await db.execute(delete(RelatedRequest).where(RelatedRequest.started_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_bodies(db: AsyncSession, before: datetime) -> int:
    result = await db.execute(
        update(RelatedRequest)
        .where(RelatedRequest.started_at < before, RelatedRequest.bodies_purged.is_(False))
        .values(request_body=None, response_body=None, bodies_purged=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_saved_answers(db: AsyncSession, before: datetime) -> int:
    """Saved answers older than the retention window: a store's stale max age longer than
    ERPGATE_RETENTION_DAYS is cut to it (docs/events.md)."""
    result = await db.execute(delete(SavedAnswer).where(SavedAnswer.fetched_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def requests_by_ids(
    db: AsyncSession, store_id: uuid.UUID, request_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RelatedRequest]:
    """The store's related requests among these ids; another store's ids are simply absent."""
    if not request_ids:
        return {}
    query = select(RelatedRequest).where(
        RelatedRequest.store_id == store_id, RelatedRequest.id.in_(request_ids)
    )
    return {row.id: row for row in (await db.execute(query)).scalars()}


async def events_by_ids(
    db: AsyncSession, store_id: uuid.UUID, event_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Event]:
    if not event_ids:
        return {}
    query = select(Event).where(Event.store_id == store_id, Event.id.in_(event_ids))
    return {event.id: event for event in (await db.execute(query)).scalars()}


async def events_of_traces(
    db: AsyncSession, store_id: uuid.UUID, trace_ids: list[str]
) -> dict[str, Event]:
    """The events these trace ids belong to (a request may have none yet, or none at all)."""
    if not trace_ids:
        return {}
    query = select(Event).where(Event.store_id == store_id, Event.trace_id.in_(set(trace_ids)))
    return {event.trace_id: event for event in (await db.execute(query)).scalars()}
