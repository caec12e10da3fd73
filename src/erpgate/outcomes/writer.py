"""The one writer of ERP outcomes: the gateway's sink. Nothing on the request path touches the
database, except the first failure of a new problem, which the buyer waits for.

``accept`` runs on the request path and only touches memory: it folds a failure into its
problem (``ProblemBoard``), names the reference, counts a success towards resolving problems,
and puts the outcome on one bounded queue. The first failure of a problem this process has not
stored is the exception: a task writes it with its problem at once, in a few statements, while
the buyer waits. The writer's task drains the queue once per ``flush_seconds`` (at once when
someone waits) in one transaction: events, related requests (masked now, only what is kept),
saved answers, the problems' counts and resolutions, and the e-mails those decide. Every few
seconds it also learns what other instances and admins changed (problems, saved answers) and
resolves quiet problems.

A full queue drops outcomes (counted on /metrics as ``erpgate_records_dropped_total``), never
waits; a problem still opens and counts, because that happens in memory before the queue. What
a crash (``kill -9``) can lose is written in docs/events.md: at most the last flush interval of
events, related requests, saved answers and counts. It never loses a problem a buyer's
reference names, because that is written before the reference is handed out.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, cast

from prometheus_client import Counter, Gauge

from erpgate.db.engine import SessionFactory, transaction
from erpgate.erp.outcome import Outcome
from erpgate.event import repository as event_repository
from erpgate.kit.clock import Clock
from erpgate.kit.ids import new_uuid
from erpgate.kit.references import format_reference
from erpgate.logging import get_logger
from erpgate.outcomes.answers import AnswerKey, SavedAnswer, SavedAnswers, save_answers
from erpgate.outcomes.rows import event_row, request_row
from erpgate.problem import service as problem_service
from erpgate.problem.board import LiveProblem, ProblemBoard
from erpgate.problem.service import Opening, ProblemPolicy

log = get_logger(__name__)

DROPPED = Counter(
    "erpgate_records_dropped_total",
    "ERP outcomes dropped because the writer's queue was full",
    ["kind"],
)
WRITE_FAILED = Counter(
    "erpgate_records_write_failed_total",
    "ERP outcomes lost because their batch could not be written",
    ["kind"],
)
QUEUE_DEPTH = Gauge(
    "erpgate_writer_queue_depth",
    "ERP outcomes waiting for the writer",
    multiprocess_mode="livesum",  # with several workers: the sum of the running ones
)

# Rows per transaction: on SQLite a new problem's opening waits for the batch being written.
MAX_BATCH = 200
SYNC_SECONDS = 5.0
HOUSEKEEPING_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class WriterSettings:
    queue_size: int = 10_000
    body_cap: int = 64 * 1024
    success_sample_rate: float = 1.0
    success_requests_sample_rate: float = 1.0
    flush_seconds: float = 1.0
    stale_horizon_seconds: float = 24 * 3600
    policy: ProblemPolicy = field(default_factory=ProblemPolicy)


@dataclass(slots=True)
class _Item:
    outcome: Outcome[Any]
    problem: LiveProblem | None
    keep_event: bool  # its event
    answer: AnswerKey | None
    done: asyncio.Future[None] | None
    requests_only: bool = False  # the related requests of an opening (its event is written)
    keep_requests: bool = True  # its related requests, with the event (a success may not)


class OutcomeWriter:
    """Implements ``erp.outcome.OutcomeSink``."""

    def __init__(
        self,
        session_factory: SessionFactory,
        settings: WriterSettings,
        clock: Clock,
        *,
        board: ProblemBoard,
        answers: SavedAnswers,
        rng: random.Random | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.board = board
        self.answers = answers
        self._rng = rng or random.Random()
        self._queue: deque[_Item] = deque()
        self._wake = asyncio.Event()
        self._cycles = 0  # completed write cycles, for ``flush``
        self._cycled = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._openings: set[asyncio.Task[None]] = set()
        self._announce = False  # a problem was stored since the last flush: its e-mail is due
        self._closing = False
        self._last_sync = self._last_housekeeping = 0.0
        self.dropped = 0
        self.failed = 0
        self.written = 0

    # -- the request path: memory only ---------------------------------------------------------

    def accept(self, outcome: Outcome[Any]) -> Awaitable[None] | None:
        store_id = outcome.target.store_id
        if store_id is None:  # the checker's calls belong to no store
            if outcome.failed:
                outcome.reference = outcome.trace_id
            return None
        if outcome.failed:
            return self._accept_failure(outcome)
        call = outcome.call
        self.board.note_success(store_id, call.endpoint.value, call.actor.customer_code)
        keep_event = call.durable or self._sampled()
        # The caller computed the key (SavedAnswers.wants) when it asked for the answer to be kept.
        key = cast(AnswerKey | None, call.saved_under) if outcome.ok else None
        if not keep_event and key is None:
            return None
        done = self._future() if call.durable else None
        keep_requests = keep_event and self._keeps_requests(outcome)
        # The queue holds what the writer needs, never the parsed answer (the buyer's response
        # is built from it meanwhile): a second's worth of answers kept alive as objects would
        # only feed the garbage collector. The attempts stay for what is written from them.
        attempts = outcome.attempts if keep_requests or key is not None else []
        light = replace(outcome, value=None, attempts=attempts)
        item = _Item(light, None, keep_event, key, done, keep_requests=keep_requests)
        if self._put(item) and key is not None:
            self.answers.queued(key, outcome.answer_body or b"", outcome.started_at)
        return done

    def _accept_failure(self, outcome: Outcome[Any]) -> Awaitable[None] | None:
        problem = self.board.fold(outcome, self.clock.now())
        outcome.reference = format_reference(problem.code, outcome.started_at)
        # A durable call (an admin's replay or Test integration) also waits for its own rows,
        # related requests included: the page it leads to lists them. A refusal has none.
        done = self._future() if outcome.call.durable and not outcome.refused else None
        if problem.id is None:
            if problem.stored is None:
                # The first failure of a problem this process has not stored: written at once,
                # with the problem, and the buyer waits for it.
                problem.stored = asyncio.get_running_loop().create_future()
                problem.opening = outcome
                task = asyncio.create_task(self._write([problem], [], []), name="problem-opening")
                # Its related requests follow with the next batch: the buyer waits only for
                # what the reference resolves to.
                self._put(_Item(outcome, problem, False, None, done, requests_only=True))
                self._openings.add(task)
                task.add_done_callback(self._openings.discard)
                return self._when_stored(outcome, problem, done)
            if not outcome.refused:
                self._put(_Item(outcome, problem, True, None, done))
            return self._when_stored(outcome, problem, done)
        if not outcome.refused:  # a refusal is only counted: nothing left the process
            self._put(_Item(outcome, problem, True, None, done))
        return done

    async def _when_stored(
        self, outcome: Outcome[Any], problem: LiveProblem, written: asyncio.Future[None] | None
    ) -> None:
        """Wait for the problem's opening to be stored (and, for a durable call, its own rows),
        then name the reference by the problem's stored code."""
        stored = problem.stored
        if stored is not None:
            await asyncio.shield(stored)
        outcome.reference = format_reference(problem.code, outcome.started_at)
        if written is not None:
            self._wake.set()  # the rows held back for the opening can be written now
            await asyncio.shield(written)

    def _sampled(self) -> bool:
        return self._draw(self.settings.success_sample_rate)

    def _keeps_requests(self, outcome: Outcome[Any]) -> bool:
        """Whether a success's related requests are kept with its event. A not-found, an admin's
        call and a Login on storefront session (someone is debugging) always keep theirs; an
        ordinary buyer's success keeps them at the sample rate."""
        call = outcome.call
        if not outcome.ok or call.durable or call.actor.impersonator_admin_id is not None:
            return True
        return self._draw(self.settings.success_requests_sample_rate)

    def _draw(self, rate: float) -> bool:
        return rate >= 1.0 or (rate > 0.0 and self._rng.random() < rate)

    def _future(self) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        self._wake.set()
        return future

    def _put(self, item: _Item) -> bool:
        if self._closing or len(self._queue) >= self.settings.queue_size:
            self.dropped += 1
            DROPPED.labels("outcome").inc()
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("outcomes_dropped", dropped=self.dropped)
            if item.done is not None:
                item.done.set_result(None)
            return False
        self._queue.append(item)
        if len(self._queue) >= MAX_BATCH:
            self._wake.set()
        return True

    @property
    def pending(self) -> int:
        return len(self._queue)

    # -- the writer's task ---------------------------------------------------------------------

    async def open(self) -> None:
        """Learn the open problems and recent saved answers, then start writing."""
        await self._sync()
        self._task = asyncio.create_task(self._run(), name="outcome-writer")

    async def close(self) -> None:
        """Write everything accepted so far, then stop."""
        if self._openings:
            await asyncio.gather(*self._openings, return_exceptions=True)
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        else:
            await self._drain()

    async def flush(self) -> None:
        """Wait until everything accepted so far is written (tests, shutdown)."""
        if self._openings:
            await asyncio.gather(*list(self._openings), return_exceptions=True)
        if self._task is None:
            await self._drain()
            return
        # The cycle running now may have taken its batch before the last accept; the one after
        # it drains whatever is left.
        target = self._cycles + 2
        async with self._cycled:
            while self._cycles < target and self._task is not None and not self._task.done():
                self._wake.set()
                await self._cycled.wait()

    async def _run(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.settings.flush_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self._drain()
                if not self._closing:
                    await self._periodic()
            except Exception:
                log.exception("outcome_writer_failed")
            self._cycles += 1
            async with self._cycled:
                self._cycled.notify_all()
            if self._closing and not self._queue:
                return

    async def _drain(self) -> None:
        await self._write_once()
        while len(self._queue) > self._waiting():
            await self._write_once()

    def _waiting(self) -> int:
        if not self._openings:  # no problem is being stored: nothing waits (and no queue scan)
            return 0
        return sum(1 for item in self._queue if _opening_pending(item))

    async def _periodic(self) -> None:
        now = time.monotonic()
        if now - self._last_sync >= SYNC_SECONDS:
            self._last_sync = now
            await self._sync()
        # A short quiet period (tests, demos) is checked as often as it needs.
        every = min(HOUSEKEEPING_SECONDS, self.settings.policy.quiet_seconds / 2)
        if now - self._last_housekeeping >= every:
            self._last_housekeeping = now
            await self.housekeeping()

    async def housekeeping(self) -> None:
        """Resolve quiet problems and send the e-mails that are due (every 30 s)."""
        async with transaction(self.session_factory) as db:
            now, policy = self.clock.now(), self.settings.policy
            await problem_service.resolve_quiet(db, now=now, policy=policy)
            await problem_service.announce_due(db, now=now, policy=policy)

    async def _sync(self) -> None:
        async with self.session_factory() as db:
            rows = await problem_service.unresolved(db)
        self.board.sync(rows)
        horizon = timedelta(seconds=self.settings.stale_horizon_seconds)
        await self.answers.sync(self.clock.now(), horizon=horizon)

    async def _write_once(self) -> None:
        batch: list[_Item] = []
        waiting: list[_Item] = []  # repeats of a problem whose opening is being written
        openings = bool(self._openings)
        for _ in range(min(MAX_BATCH, len(self._queue))):
            item = self._queue.popleft()
            (waiting if openings and _opening_pending(item) else batch).append(item)
        self._queue.extendleft(reversed(waiting))
        QUEUE_DEPTH.set(len(self._queue))
        resolutions = self.board.take_resolutions()
        if batch or resolutions or self._announce or self.board.has_counts():
            self._announce = False
            await self._write([], batch, resolutions)

    async def _write(
        self, openings: list[LiveProblem], batch: list[_Item], resolutions: list[LiveProblem]
    ) -> None:
        now = self.clock.now()
        policy = self.settings.policy
        saved: dict[AnswerKey, SavedAnswer] = {}
        try:
            async with transaction(self.session_factory) as db:
                events: list[dict[str, Any]] = []
                requests: list[dict[str, Any]] = []
                for problem in openings:
                    outcome = problem.opening
                    assert outcome is not None
                    event_id = None if outcome.refused else new_uuid()
                    opening = Opening(outcome.refused, outcome.call.actor.customer_code, event_id)
                    stored = await problem_service.store_opening(db, problem, opening, now=now)
                    self.board.stored(problem, *stored, refused=outcome.refused)
                    if event_id is not None:
                        events.append(self._event(outcome, event_id, problem))
                cap = self.settings.body_cap
                for item in batch:
                    if item.keep_event:
                        event_id = new_uuid()
                        if item.problem is not None:
                            self.board.note_sample(item.problem, event_id)
                        events.append(
                            self._event(item.outcome, event_id, item.problem, item.keep_requests)
                        )
                    if (item.keep_event and item.keep_requests) or item.requests_only:
                        requests.extend(request_row(a, cap) for a in item.outcome.attempts)
                    if item.answer is not None:
                        body = item.outcome.answer_body or b""
                        saved[item.answer] = SavedAnswer(body, item.outcome.started_at)
                if events:
                    await event_repository.insert_events(db, events)
                if requests:
                    await event_repository.insert_requests(db, requests)
                await save_answers(db, saved, saved_by=self.answers.instance)
                if openings:
                    self._announce = True
                else:
                    await problem_service.add_counts(db, self.board.take_counts(), now=now)
                    # Announced before resolved: a blip that recovers within one flush still
                    # tells the merchant it happened (and that it is over).
                    await problem_service.announce_due(db, now=now, policy=policy)
                    await problem_service.resolve_after_successes(
                        db, [p.id for p in resolutions if p.id is not None], now=now, policy=policy
                    )
            self.written += len(batch) + len(openings)
        except Exception:
            self.failed += len(batch) + len(openings)
            WRITE_FAILED.labels("outcome").inc(len(batch) + len(openings))
            log.exception("outcome_batch_failed", size=len(batch), problems=len(openings))
            for problem in openings:
                self.board.forget_unstored(problem)
        finally:
            for problem in openings:
                if problem.stored is not None and not problem.stored.done():
                    problem.stored.set_result(None)
            for item in batch:
                if item.done is not None and not item.done.done():
                    item.done.set_result(None)
            for key, answer in saved.items():
                self.answers.written(key, answer.fetched_at)

    def _event(
        self,
        outcome: Outcome[Any],
        event_id: uuid.UUID,
        problem: LiveProblem | None,
        requests_kept: bool = True,
    ) -> dict[str, Any]:
        reference = None
        if problem is not None:
            reference = format_reference(problem.code, outcome.started_at)
        return event_row(
            outcome,
            event_id,
            problem_id=problem.id if problem is not None else None,
            reference=reference,
            requests_kept=requests_kept,
        )


def _opening_pending(item: _Item) -> bool:
    """The item's problem is being stored right now: its event waits to carry the problem's id."""
    problem = item.problem
    return (
        problem is not None
        and problem.id is None
        and problem.stored is not None
        and not problem.stored.done()
    )
