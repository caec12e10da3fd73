"""The problems this process knows, kept in memory so folding a failure costs no database work.

``fold`` turns a failed outcome into (problem, counters) in a few dictionary operations;
``note_success`` counts successes towards a problem's automatic resolution. The outcome writer
takes the accumulated counts (``take_counts``) once per flush and writes them as increments, so
several instances can share a problem. A problem the board has never stored (``id`` None) is
written with its opening failure before its first reference is handed out.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from erpgate.erp.errors import ErpBreakerOpenError, ErpError, Scope
from erpgate.erp.outcome import Outcome
from erpgate.kit.references import new_problem_code

# store, endpoint, error kind, customer code ("" for a problem of the whole endpoint)
ProblemKey = tuple[uuid.UUID, str, str, str]
SAMPLES_PER_FLUSH = 10


def failure_class(error: ErpError) -> type[ErpError]:
    """The class a failure folds by: a breaker refusal counts for the failure that opened it."""
    return error.cause if isinstance(error, ErpBreakerOpenError) else type(error)


def problem_key(outcome: Outcome[Any]) -> tuple[ProblemKey, Scope]:
    assert outcome.error is not None and outcome.target.store_id is not None
    cls = failure_class(outcome.error)
    customer = (outcome.call.actor.customer_code or "") if cls.scope == "customer" else ""
    return (outcome.target.store_id, outcome.call.endpoint.value, cls.kind, customer), cls.scope


@dataclass(slots=True)
class Counts:
    """What happened to one stored problem since the last flush."""

    problem_id: uuid.UUID
    occurrences: int
    refusals: int
    customers: set[str]
    error: str
    last_seen: datetime
    sample_event_ids: list[uuid.UUID]


@dataclass(slots=True, eq=False)
class LiveProblem:
    key: ProblemKey
    scope: Scope
    code: str
    id: uuid.UUID | None = None  # None until stored
    state: str = "open"
    # While the first failure is being stored: done once it is (or once storing gave up).
    stored: asyncio.Future[None] | None = None
    opening: Outcome[Any] | None = None  # that first failure, written with the problem
    occurrences: int = 0
    refusals: int = 0
    customers: set[str] = field(default_factory=set)
    error: str = ""
    last_seen: datetime | None = None
    sample_event_ids: list[uuid.UUID] = field(default_factory=list)
    streak: int = 0  # successes in a row seen by this process
    resolve: bool = False  # the streak is long enough: the writer resolves it

    @property
    def has_counts(self) -> bool:
        """Anything to write: failures, refusals, or customers not recorded yet."""
        return bool(self.occurrences or self.refusals or self.customers)

    @property
    def pending(self) -> bool:
        return self.has_counts or self.resolve


class ProblemBoard:
    def __init__(self, *, resolve_after_successes: int) -> None:
        self.resolve_after_successes = resolve_after_successes
        self._problems: dict[ProblemKey, LiveProblem] = {}
        # (store, endpoint) -> its problems: a success looks up one key, usually finding none.
        self._by_endpoint: dict[tuple[uuid.UUID, str], list[LiveProblem]] = {}

    def __len__(self) -> int:
        return len(self._problems)

    def get(self, key: ProblemKey) -> LiveProblem | None:
        return self._problems.get(key)

    def fold(self, outcome: Outcome[Any], now: datetime) -> LiveProblem:
        """Count a failure against its problem, creating the problem in memory if it is new."""
        key, scope = problem_key(outcome)
        problem = self._problems.get(key)
        if problem is None:
            problem = self._add(LiveProblem(key, scope, new_problem_code()))
        error = outcome.error
        assert error is not None
        if isinstance(error, ErpBreakerOpenError):
            problem.refusals += 1
            problem.error = problem.error or error.human
        else:
            problem.occurrences += 1
            problem.error = error.human
        customer = outcome.call.actor.customer_code
        if customer:
            problem.customers.add(customer)
        problem.last_seen = now
        problem.streak = 0
        problem.resolve = False
        return problem

    def note_success(self, store_id: uuid.UUID | None, endpoint: str, customer: str | None) -> None:
        if store_id is None:
            return
        problems = self._by_endpoint.get((store_id, endpoint))
        if not problems:
            return
        for problem in problems:
            if problem.id is None or problem.key[3] not in ("", customer):
                continue
            problem.streak += 1
            if problem.streak >= self.resolve_after_successes:
                problem.resolve = True

    def note_sample(self, problem: LiveProblem, event_id: uuid.UUID) -> None:
        if len(problem.sample_event_ids) < SAMPLES_PER_FLUSH:
            problem.sample_event_ids.append(event_id)

    def has_counts(self) -> bool:
        return any(p.id is not None and p.has_counts for p in self._problems.values())

    def take_counts(self) -> list[Counts]:
        """The counts of every stored problem since the last call, reset to zero."""
        taken: list[Counts] = []
        for problem in self._problems.values():
            if problem.id is None or not problem.has_counts:
                continue
            assert problem.last_seen is not None
            taken.append(
                Counts(
                    problem.id,
                    problem.occurrences,
                    problem.refusals,
                    problem.customers,
                    problem.error,
                    problem.last_seen,
                    problem.sample_event_ids,
                )
            )
            problem.occurrences = problem.refusals = 0
            problem.customers = set()
            problem.sample_event_ids = []
        return taken

    def take_resolutions(self) -> list[LiveProblem]:
        """Stored problems whose success streak says they are over; they leave the board."""
        done = [p for p in self._problems.values() if p.resolve and p.id is not None]
        for problem in done:
            self._remove(problem)
        return done

    def stored(
        self, problem: LiveProblem, problem_id: uuid.UUID, code: str, state: str, *, refused: bool
    ) -> None:
        """The problem is stored, with its opening failure counted (``refused``: a refusal)."""
        problem.id, problem.code, problem.state = problem_id, code, state
        problem.opening = None
        if refused:
            problem.refusals = max(0, problem.refusals - 1)
        else:
            problem.occurrences = max(0, problem.occurrences - 1)

    def forget_unstored(self, problem: LiveProblem) -> None:
        """Storing failed: the next failure tries again (with its own first event)."""
        problem.opening = None
        problem.stored = None

    def sync(self, open_rows: Iterable[tuple[ProblemKey, Scope, uuid.UUID, str, str]]) -> None:
        """Align with the database's open and acknowledged problems (other instances, admins).

        A stored problem that is no longer open there leaves the board unless it has counts to
        write (the writer then reopens it); problems opened elsewhere join.
        """
        seen: set[ProblemKey] = set()
        for key, scope, problem_id, code, state in open_rows:
            seen.add(key)
            problem = self._problems.get(key)
            if problem is None:
                self._add(LiveProblem(key, scope, code, id=problem_id, state=state))
            elif problem.id is None and problem.stored is None:
                problem.id, problem.code, problem.state = problem_id, code, state
            elif problem.id == problem_id:
                problem.state = state
        for key, problem in list(self._problems.items()):
            if key not in seen and problem.id is not None and not problem.pending:
                self._remove(problem)

    def _add(self, problem: LiveProblem) -> LiveProblem:
        self._problems[problem.key] = problem
        store_id, endpoint = problem.key[0], problem.key[1]
        self._by_endpoint.setdefault((store_id, endpoint), []).append(problem)
        return problem

    def _remove(self, problem: LiveProblem) -> None:
        if self._problems.get(problem.key) is not problem:
            return
        del self._problems[problem.key]
        siblings = self._by_endpoint.get((problem.key[0], problem.key[1]), [])
        if problem in siblings:
            siblings.remove(problem)
        if not siblings:
            self._by_endpoint.pop((problem.key[0], problem.key[1]), None)
