"""Events, related requests and replay, as the admin sees them. Never commits."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import service as customer_service
from erpgate.db.engine import SessionFactory, release_connection
from erpgate.erp.contract import RESPONSE_MODELS
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, Outcome
from erpgate.erp.targets import ErpTarget
from erpgate.errors import Conflict, NotFound, ValidationFailed
from erpgate.event import repository
from erpgate.event.repository import EventFilters
from erpgate.integration.service import LiveIntegration
from erpgate.kit.references import normalize_reference
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.event import Event
from erpgate.models.related_request import RelatedRequest
from erpgate.models.user import User
from erpgate.web.params import parse_day

OUTCOMES = ("success", "error", "not_found")
ENDPOINTS = frozenset(e.value for e in Endpoint)
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


@dataclass(frozen=True, slots=True)
class EventQuery:
    """The list's filters as typed in the form or the API query string."""

    type: str | None = None
    outcome: str | None = None
    customer: str | None = None
    user: str | None = None
    since: str | None = None
    until: str | None = None
    q: str | None = None
    problem: str | None = None  # a problem's id: its events
    endpoint: str | None = None  # an endpoint's name (the health page's chart links)


def share_in_words(rate: float) -> str:
    """A sample rate as the event page says it: "one time in 10", "never"."""
    if rate <= 0.0:
        return "never"
    if rate >= 1.0:
        return "every time"
    every = 1.0 / rate
    if abs(every - round(every)) < 0.05:
        return f"one time in {round(every)}"
    return f"{rate:.0%} of the time"


def _day(value: str | None, field: str) -> date | None:
    # Bounded centrally: "until" 9999-12-31 plus its one day overflowed (a 500).
    return parse_day(value, field)


def trace_prefix(search: str) -> str | None:
    """A trace id or a reference code as a buyer reads it (ABCD-1234-EF56): hex, any case."""
    cleaned = search.strip().replace("-", "").replace(" ", "").lower()
    return cleaned if _HEX.match(cleaned) else None


async def build_filters(
    db: AsyncSession, store_id: uuid.UUID, query: EventQuery
) -> EventFilters | None:
    """Typed filters, or None when the search cannot match anything."""
    user_id: uuid.UUID | None = None
    if query.user:
        try:
            user_id = uuid.UUID(query.user)
        except ValueError:
            user = await customer_service.find_user_by_email(db, store_id, query.user)
            if user is None:
                return None
            user_id = user.id
    prefix = reference = None
    if query.q:
        # A buyer's reference (problem code and time) or a trace id (hex, any prefix).
        reference = normalize_reference(query.q)
        prefix = None if reference is not None else trace_prefix(query.q)
        if reference is None and prefix is None:
            return None
    problem_id: uuid.UUID | None = None
    if query.problem:
        try:
            problem_id = uuid.UUID(query.problem)
        except ValueError:
            return None
    endpoint = (query.endpoint or "").strip() or None
    if endpoint is not None and endpoint not in ENDPOINTS:
        raise ValidationFailed(
            "Some filters are not valid.",
            fields={"endpoint": "One of " + ", ".join(sorted(ENDPOINTS)) + "."},
        )
    since, until = _day(query.since, "since"), _day(query.until, "until")
    return EventFilters(
        type=query.type or None,
        outcome=query.outcome if query.outcome in OUTCOMES else None,
        customer_code=(query.customer or "").strip() or None,
        user_id=user_id,
        since=datetime.combine(since, time.min, UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None,
        trace_prefix=prefix,
        reference=reference,
        problem_id=problem_id,
        endpoint=endpoint,
    )


async def list_events(
    db: AsyncSession, store_id: uuid.UUID, query: EventQuery, *, page: int, page_size: int
) -> tuple[list[Event], bool]:
    """One page of events, newest first, and whether there is a next page."""
    filters = await build_filters(db, store_id, query)
    if filters is None:
        return [], False
    rows = await repository.list_events(
        db, store_id, filters, limit=page_size + 1, offset=(page - 1) * page_size
    )
    return rows[:page_size], len(rows) > page_size


async def event_types(db: AsyncSession, store_id: uuid.UUID) -> list[str]:
    known = {e.event_type for e in Endpoint} | {"integration.test"}
    return sorted(known | set(await repository.distinct_types(db, store_id)))


async def get_event(
    db: AsyncSession, store_id: uuid.UUID, event_id: uuid.UUID
) -> tuple[Event, list[RelatedRequest]]:
    event = await repository.get_event(db, store_id, event_id)
    if event is None:
        raise NotFound("No such event.")
    return event, await repository.requests_for_trace(db, store_id, event.trace_id)


@dataclass(frozen=True, slots=True)
class EventPeople:
    """Whom the event's ids name, for people reading it (None: not set, or deleted since)."""

    user: User | None
    account: CustomerAccount | None


async def event_people(db: AsyncSession, store_id: uuid.UUID, event: Event) -> EventPeople:
    user = account = None
    if event.user_id is not None:
        user = await customer_service.find_user(db, store_id, event.user_id)
    if event.customer_account_id is not None:
        account = await customer_service.find_account(db, store_id, event.customer_account_id)
    return EventPeople(user, account)


async def get_request(
    db: AsyncSession, store_id: uuid.UUID, request_id: uuid.UUID
) -> tuple[RelatedRequest, Event | None]:
    row = await repository.get_request(db, store_id, request_id)
    if row is None:
        raise NotFound("No such request.")
    return row, await repository.find_event_by_trace(db, store_id, row.trace_id)


def _is_token_request(row: RelatedRequest) -> bool:
    return any(
        str(name).lower() == "content-type" and "x-www-form-urlencoded" in str(value)
        for name, value in row.request_headers
    )


def replay_payload(row: RelatedRequest) -> tuple[Endpoint, dict[str, object]]:
    """The stored body as a payload, or Conflict saying why it cannot be re-sent."""
    if row.bodies_purged or row.request_body is None:
        raise Conflict("The request body was purged by the retention policy; nothing to replay.")
    if row.request_truncated or row.request_body_encoding != "utf-8":
        raise Conflict("Only complete JSON request bodies can be replayed.")
    if _is_token_request(row):
        raise Conflict("This is a token request; replay the ERP request that follows it instead.")
    try:
        endpoint = Endpoint(row.endpoint)
        payload = orjson.loads(row.request_body)
    except (ValueError, orjson.JSONDecodeError):
        raise Conflict("This request cannot be replayed: its body is not JSON.") from None
    if not isinstance(payload, dict):
        raise Conflict("This request cannot be replayed: its body is not a JSON object.")
    return endpoint, payload


async def replay_request(
    gateway: ErpGateway,
    session_factory: SessionFactory,
    db: AsyncSession,
    live: LiveIntegration,
    request_id: uuid.UUID,
) -> Event:
    """Re-send a stored request to the endpoint's current URL with the current credentials."""
    row, original = await get_request(db, live.store_id, request_id)
    endpoint, payload = replay_payload(row)
    target = live.target(endpoint)
    if target is None:
        raise Conflict(f"The {endpoint.label} is not configured; nothing to send to.")
    await release_connection(db)  # read only so far; hold no connection while the ERP answers
    outcome = await _replay(gateway, target, endpoint, payload, original)
    # A fresh session: the writer committed the event in its own transaction, which a snapshot
    # taken by this request's session (SQLite WAL) would not show.
    async with session_factory() as fresh:
        event = await repository.find_event_by_trace(fresh, live.store_id, outcome.trace_id)
    if event is None:
        raise Conflict("The replay ran, but its event could not be stored; see the logs.")
    return event


async def _replay(
    gateway: ErpGateway,
    target: ErpTarget,
    endpoint: Endpoint,
    payload: dict[str, object],
    original: Event | None,
) -> Outcome[Any]:
    code = original.customer_code if original else payload.get("customer_code")
    actor = Actor(
        source="replay",
        customer_account_id=original.customer_account_id if original else None,
        customer_code=code if isinstance(code, str) else None,
        user_id=original.user_id if original else None,
    )
    call = ErpCall.raw(
        endpoint,
        payload,
        RESPONSE_MODELS[endpoint],
        actor,
        expected_customer_code=actor.customer_code,
    )
    call.durable = True  # the admin is shown the new event: it must be stored first
    return await gateway.read(target, call, coalesce=False)


MAX_BULK_REPLAY = 100


@dataclass(slots=True)
class Replayed:
    """One failed event of a bulk replay and what became of it."""

    event: Event
    outcome: str  # "success", "error", "not_found", "skipped"
    detail: str = ""
    new_event_id: uuid.UUID | None = None
    trace_id: str | None = None


@dataclass(slots=True)
class BulkReplay:
    results: list[Replayed]
    stopped: str | None = None  # why the rest was not sent (the breaker refused)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


async def replay_failed_events(
    gateway: ErpGateway,
    session_factory: SessionFactory,
    db: AsyncSession,
    live: LiveIntegration,
    query: EventQuery,
    *,
    limit: int = MAX_BULK_REPLAY,
    pause_seconds: float = 0.2,
) -> BulkReplay:
    """Replay the failed events the filters select (newest first, at most ``limit`` ≤ 100), one
    at a time with a pause between two, so the ERP is not flooded; stops when the breaker
    refuses (the ERP is down again: the rest would only be refused too)."""
    limit = max(1, min(limit, MAX_BULK_REPLAY))
    filters = await build_filters(db, live.store_id, replace(query, outcome="error"))
    if filters is None:
        return BulkReplay([])
    events = await repository.list_events(db, live.store_id, filters, limit=limit, offset=0)
    requests = await repository.requests_for_traces(
        db, live.store_id, [event.trace_id for event in events]
    )
    await release_connection(db)  # hold no connection while the ERP answers
    report = BulkReplay([])
    sent = 0
    for event in events:
        candidates = [r for r in requests.get(event.trace_id, []) if not _is_token_request(r)]
        if not candidates:
            report.results.append(Replayed(event, "skipped", "No stored request to replay."))
            continue
        try:
            endpoint, payload = replay_payload(candidates[-1])
        except Conflict as exc:
            report.results.append(Replayed(event, "skipped", exc.message))
            continue
        target = live.target(endpoint)
        if target is None:
            detail = f"The {endpoint.label} is not configured."
            report.results.append(Replayed(event, "skipped", detail))
            continue
        if sent and pause_seconds > 0:
            await asyncio.sleep(pause_seconds)
        sent += 1
        outcome = await _replay(gateway, target, endpoint, payload, event)
        if outcome.refused:
            assert outcome.error is not None
            report.stopped = outcome.error.human
            break
        result = "success" if outcome.ok else "not_found" if outcome.not_found else "error"
        detail = outcome.error.human if outcome.error is not None else ""
        report.results.append(Replayed(event, result, detail, trace_id=outcome.trace_id))
    traces = [r.trace_id for r in report.results if r.trace_id]
    if traces:
        async with session_factory() as fresh:
            found = await repository.events_by_traces(fresh, live.store_id, traces)
        for item in report.results:
            if item.trace_id in found:
                item.new_event_id = found[item.trace_id]
    return report
