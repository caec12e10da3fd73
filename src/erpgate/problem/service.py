"""Problem rules: opening, counting, resolving, reopening, and the e-mails they send. Never commits.

The outcome writer calls the first group inside its transactions; the admin console the second.
A problem's e-mails, decided in the writer's flush after the opening is stored:

- **opened**: when it opens or reopens, unless an e-mail about it went out within the throttle
  window (a flapping endpoint must not send one per flap); it is sent once the window has passed
  if the problem is still open;
- **reminder**: while it stays open and unacknowledged, at most one per throttle window, only
  when new failures were held back. Acknowledging mutes them;
- **resolved**: when it resolves, only if its opening was announced.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import Scope
from erpgate.errors import Conflict, NotFound
from erpgate.kit.ids import new_uuid
from erpgate.kit.references import new_problem_code, parse_reference
from erpgate.models.notification import Notification
from erpgate.models.problem import Problem
from erpgate.notification import service as notification_service
from erpgate.notification.compose import (
    ProblemFacts,
    problem_digest_mail,
    problem_opened_mail,
    problem_resolved_mail,
)
from erpgate.notification.webhooks import problem_alert
from erpgate.problem import repository
from erpgate.problem.board import Counts, LiveProblem, ProblemKey
from erpgate.problem.repository import ProblemFilters
from erpgate.store import service as store_service

FIRST_SAMPLES = 3  # the episode's first events are kept: they show how it started
LAST_SAMPLES = 7  # and its latest ones: they show how it is going


@dataclass(frozen=True, slots=True)
class ProblemPolicy:
    throttle_minutes: int = 15
    quiet_seconds: int = 1800
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_settings(cls, settings: Settings) -> ProblemPolicy:
        return cls(
            throttle_minutes=settings.notify_throttle_minutes,
            quiet_seconds=settings.problem_quiet_seconds,
            public_url=settings.public_url,
        )


# -- the writer's side -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opening:
    """The failure that opens (or reopens) a problem, written together with it."""

    refused: bool  # a breaker refusal rather than a failed call
    customer_code: str | None
    event_id: uuid.UUID | None  # None for a refusal: it has no event


async def store_opening(
    db: AsyncSession,
    live: LiveProblem,
    opening: Opening,
    *,
    now: datetime,
) -> tuple[uuid.UUID, str, str]:
    """Store a problem the board has not stored yet, counting its opening failure: insert it,
    or adopt the row another instance inserted, reopening it if it was resolved. Returns
    (id, code, state). Kept to a few statements: a buyer waits for it. Its e-mail is decided
    by ``announce_due`` in the writer's next flush, from what is stored here."""
    store_id, endpoint, kind, customer_key = live.key
    samples = [str(opening.event_id)] if opening.event_id else []
    customers = {opening.customer_code} if opening.customer_code else set()
    for _ in range(3):
        problem_id = new_uuid()
        inserted = await repository.insert_if_absent(
            db,
            {
                "id": problem_id,
                "store_id": store_id,
                "code": live.code,
                "endpoint": endpoint,
                "kind": kind,
                "scope": live.scope,
                "customer_key": customer_key,
                "state": "open",
                "error": live.error,
                "first_seen": now,
                "last_seen": now,
                "opened_at": now,
                "occurrences": 0 if opening.refused else 1,
                "refusals": 1 if opening.refused else 0,
                "customers": len(customers),
                "held_back": 1,  # the opening itself, until an e-mail reports it
                "sample_event_ids": samples,
            },
        )
        if inserted:
            # The customer row itself follows with the next counts (the board keeps it).
            return problem_id, live.code, "open"
        row = await repository.by_key(db, store_id, endpoint, kind, customer_key)
        if row is not None:
            break
        live.code = new_problem_code()  # only the code collided with another problem's
    else:
        raise RuntimeError("could not store a problem under a unique code")
    if row.state == "resolved":
        _reopen(row, now, opening.event_id)
    else:
        _add_samples(row, [opening.event_id] if opening.event_id else [])
    row.held_back += 1  # reported by the next e-mail about it
    row.error = live.error or row.error
    row.last_seen = max(row.last_seen, now)
    if opening.refused:
        row.refusals += 1
    else:
        row.occurrences += 1
    if customers:
        row.customers = await repository.add_customers(db, row.id, customers, now)
    await db.flush()
    return row.id, row.code, row.state


async def add_counts(db: AsyncSession, counts: list[Counts], *, now: datetime) -> None:
    """Write a flush's counts as increments; a resolved problem that failed again reopens.

    Rows are updated in the order of their ids: two instances flushing counts of the same
    problems at once then wait for each other instead of deadlocking (PostgreSQL aborts one of
    two transactions that lock the same rows in opposite orders, and its batch would be lost)."""
    if not counts:
        return
    counts = sorted(counts, key=lambda item: item.problem_id)
    for item in counts:
        await repository.add_counts(
            db,
            item.problem_id,
            occurrences=item.occurrences,
            refusals=item.refusals,
            error=item.error,
            last_seen=item.last_seen,
        )
        if item.customers:
            await repository.add_customers(db, item.problem_id, item.customers, now)
    rows = {row.id: row for row in await repository.by_ids(db, [c.problem_id for c in counts])}
    for item in counts:
        row = rows.get(item.problem_id)
        if row is None:
            continue  # deleted with its store meanwhile
        if row.state == "resolved" and item.occurrences:
            _reopen(row, now, None)  # announced by announce_due, like any opening
        _add_samples(row, item.sample_event_ids)
    await db.flush()


async def resolve_after_successes(
    db: AsyncSession, problem_ids: list[uuid.UUID], *, now: datetime, policy: ProblemPolicy
) -> None:
    for row in await repository.by_ids(db, problem_ids):
        if row.state != "resolved":
            await _resolve(db, row, now=now, policy=policy, by="successes")


async def announce_due(db: AsyncSession, *, now: datetime, policy: ProblemPolicy) -> None:
    """Send what is due: the opened e-mail of a problem not announced yet, and the reminder of
    one still open with failures held back, each at most once per throttle window."""
    mailed_before = now - timedelta(minutes=policy.throttle_minutes)
    for row in await repository.due_for_mail(db, mailed_before):
        await _announce(db, row, now=now, policy=policy)


async def resolve_quiet(db: AsyncSession, *, now: datetime, policy: ProblemPolicy) -> None:
    """Resolve the problems without a failure for the quiet period."""
    quiet_since = now - timedelta(seconds=policy.quiet_seconds)
    for row in await repository.quiet_since(db, quiet_since):
        await _resolve(db, row, now=now, policy=policy, by="quiet")


async def unresolved(db: AsyncSession) -> list[tuple[ProblemKey, Scope, uuid.UUID, str, str]]:
    """(key, scope, id, code, state) of every open or acknowledged problem, for the board."""
    return [
        (
            (row.store_id, row.endpoint, row.kind, row.customer_key),
            _scope(row.scope),
            row.id,
            row.code,
            row.state,
        )
        for row in await repository.unresolved(db)
    ]


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def _first_event(row: Problem) -> uuid.UUID | None:
    try:
        return uuid.UUID(row.sample_event_ids[0]) if row.sample_event_ids else None
    except ValueError:
        return None


def _scope(value: str) -> Scope:
    return "customer" if value == "customer" else "endpoint"


def _reopen(row: Problem, now: datetime, event_id: uuid.UUID | None) -> None:
    row.state = "open"
    row.opened_at = now
    row.last_seen = max(row.last_seen, now)
    row.acknowledged_at = row.acknowledged_by = None
    row.resolved_at = row.resolved_by = None
    row.episodes += 1
    row.announced = False
    row.sample_event_ids = [str(event_id)] if event_id else []


def _add_samples(row: Problem, event_ids: list[uuid.UUID]) -> None:
    if not event_ids:
        return
    samples = list(row.sample_event_ids) + [str(event_id) for event_id in event_ids]
    if len(samples) > FIRST_SAMPLES + LAST_SAMPLES:
        samples = samples[:FIRST_SAMPLES] + samples[-LAST_SAMPLES:]
    row.sample_event_ids = samples


def facts(row: Problem, policy: ProblemPolicy) -> ProblemFacts:
    return ProblemFacts(
        endpoint=Endpoint(row.endpoint),
        error=row.error,
        error_kind=row.kind,
        customer_code=row.customer_key or None,
        opened_at=row.opened_at,
        last_seen=row.last_seen,
        occurrences=row.occurrences,
        refusals=row.refusals,
        customers=row.customers,
        reference=row.code,
        problem_url=f"{policy.public_url.rstrip('/')}/admin/problems/{row.id}",
        held_back=row.held_back,
    )


async def _announce(
    db: AsyncSession, row: Problem, *, now: datetime, policy: ProblemPolicy
) -> None:
    """The opened e-mail and webhooks, or a reminder when the episode was announced already
    (only for an open, unacknowledged problem), linking the episode's first event."""
    kind = "reminder" if row.announced else "opened"
    problem_facts = facts(row, policy)
    subject, body = (
        problem_digest_mail(problem_facts) if row.announced else problem_opened_mail(problem_facts)
    )
    mail = await notification_service.queue_mail(
        db,
        store_id=row.store_id,
        kind=kind,
        endpoint=Endpoint(row.endpoint),
        subject=subject,
        body=body,
        now=now,
        event_id=_first_event(row),
        problem_id=row.id,
    )
    hooks = await _queue_webhooks(db, row, kind, now=now, policy=policy)
    # A notification nobody can receive does not start the throttle window: once the merchant
    # sets a receiver (or a route), the next failure is announced. Either way what was held
    # back is dealt with.
    if notification_service.delivered_to_someone([mail, *hooks]):
        row.last_mailed_at = now
        row.announced = True
    row.held_back = 0


async def _queue_webhooks(
    db: AsyncSession, row: Problem, kind: str, *, now: datetime, policy: ProblemPolicy
) -> list[Notification]:
    store = await store_service.get_store(db, row.store_id)
    alert = problem_alert(kind, facts(row, policy), store=store.slug, state=row.state, now=now)
    return await notification_service.queue_webhooks(
        db,
        store_id=row.store_id,
        kind=kind,
        endpoint=Endpoint(row.endpoint),
        alert=alert,
        now=now,
        problem_id=row.id,
        event_id=_first_event(row),
    )


async def _resolve(
    db: AsyncSession, row: Problem, *, now: datetime, policy: ProblemPolicy, by: str
) -> None:
    row.state = "resolved"
    row.resolved_at = now
    row.resolved_by = by[:64]
    if row.announced:
        how = {
            "successes": "the ERP answered again",
            "quiet": f"no failure for {_duration(policy.quiet_seconds)}",
        }.get(by, f"marked resolved by {by}")
        subject, body = problem_resolved_mail(facts(row, policy), now, how)
        await notification_service.queue_mail(
            db,
            store_id=row.store_id,
            kind="resolved",
            endpoint=Endpoint(row.endpoint),
            subject=subject,
            body=body,
            now=now,
            problem_id=row.id,
        )
        await _queue_webhooks(db, row, "resolved", now=now, policy=policy)
    row.announced = False
    row.held_back = 0
    await db.flush()


# -- the admin's side ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProblemQuery:
    state: str | None = None
    endpoint: str | None = None
    q: str | None = None  # a buyer's reference, a problem code or a customer code


@dataclass(frozen=True, slots=True)
class Found:
    problem: Problem
    occurred_at: datetime | None  # when the search was a buyer's reference: its moment


async def list_problems(
    db: AsyncSession, store_id: uuid.UUID, query: ProblemQuery, *, page: int, page_size: int
) -> tuple[list[Found], bool]:
    """One page of problems (open first, then the latest failing) and whether more follow."""
    occurred_at: datetime | None = None
    filters = ProblemFilters(state=query.state or None, endpoint=query.endpoint or None)
    search = (query.q or "").strip()
    if search:
        parsed = parse_reference(search)
        if parsed is not None:
            code, occurred_at = parsed
            filters = ProblemFilters(state=filters.state, endpoint=filters.endpoint, code=code)
        elif len(search.replace("-", "")) == 6 and search.isalnum():
            filters = ProblemFilters(
                state=filters.state, endpoint=filters.endpoint, code=search.upper()
            )
        else:
            filters = ProblemFilters(
                state=filters.state, endpoint=filters.endpoint, customer_code=search
            )
    rows = await repository.list_problems(
        db, store_id, filters, limit=page_size + 1, offset=(page - 1) * page_size
    )
    found = [Found(row, occurred_at) for row in rows[:page_size]]
    return found, len(rows) > page_size


async def get_problem(db: AsyncSession, store_id: uuid.UUID, problem_id: uuid.UUID) -> Problem:
    row = await repository.get(db, store_id, problem_id)
    if row is None:
        raise NotFound("No such problem.")
    return row


async def customer_codes(db: AsyncSession, problem: Problem, limit: int = 50) -> list[str]:
    return await repository.customer_codes(db, problem.id, limit)


async def acknowledge(
    db: AsyncSession, store_id: uuid.UUID, problem_id: uuid.UUID, admin_id: uuid.UUID, now: datetime
) -> Problem:
    row = await get_problem(db, store_id, problem_id)
    if row.state == "resolved":
        raise Conflict("This problem is resolved; there is nothing to acknowledge.")
    if row.state == "open":
        row.state = "acknowledged"
        row.acknowledged_at = now
        row.acknowledged_by = admin_id
        await db.flush()
    return row


async def resolve(
    db: AsyncSession,
    store_id: uuid.UUID,
    problem_id: uuid.UUID,
    admin_email: str,
    *,
    now: datetime,
    policy: ProblemPolicy,
) -> Problem:
    row = await get_problem(db, store_id, problem_id)
    if row.state != "resolved":
        await _resolve(db, row, now=now, policy=policy, by=admin_email)
    return row


async def count_open(db: AsyncSession, store_id: uuid.UUID) -> int:
    return await repository.count_open(db, store_id)
