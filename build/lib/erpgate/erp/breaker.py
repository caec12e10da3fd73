"""Circuit breakers per (store, endpoint) that open on a failure *rate*, never on one customer.

A breaker counts the calls of the last ``window_seconds`` and opens only when all three hold:
at least ``min_calls`` calls, at least ``failure_rate`` of them failed by the ERP's own fault
(``ErpError.counts_for_breaker``: transport errors, timeouts, 5xx), and those failures came from
at least ``min_customers`` different customer accounts. A contract break never counts; a 500 for
one account counts, but one or two accounts failing cannot open the breaker for everyone.

Open, it refuses every call for ``open_seconds``; then it lets exactly one probe through
(half-open). The probe's answer decides: the ERP answered (even with a contract break) → closed
with a fresh window; a counted failure → open again. A probe that ends without a verdict (the
buyer went away) frees the slot for the next caller.

Shared by every instance (``erpgate.breaker`` keeps the state in the database): a breaker's own
transitions (it opened; its probe closed it or opened it again) are queued on the board
(``take_changes``) and published by a background task, which also brings in what other
instances and operators decided (``adopt``), every few seconds. Between two polls the board in
memory decides alone, so a storefront call never waits on the database. An operator may force a
breaker open ("forced-open": every call refused, no probe) until someone resets it.

Written by hand rather than on a library: the maintained breakers count consecutive failures
(purgatory, pybreaker) and none knows "distinct customers"; the state machine is small.

Defaults (``BreakerPolicy``) and why:
- 60 s window, at least 10 calls: a storefront read waits at most its deadline (5 s), so ten
  buyers hitting a dead ERP cost each of them one deadline before the breaker spares the rest.
  Saleor's webhook breaker (≥ 100 failures, ≥ 35 % over 5 min) suits webhook volumes; a small
  merchant's storefront never makes 100 calls in 5 minutes, so the breaker would never open.
- 50 % failed: a flaky ERP failing one call in three still serves two buyers in three; opening
  would refuse all of them.
- 3 customers: observed before, two accounts whose data broke the ERP opened the invoices breaker
  for every buyer. Real outages hit every account at once and reach three within seconds.
- 30 s open: long enough to spare a struggling ERP, short enough that buyers see data soon after
  it recovers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpBreakerOpenError, ErpError, error_classes
from erpgate.kit.clock import utcnow

BreakerState = Literal["closed", "open", "half-open", "forced-open"]
# What the shared row says: "open" until a moment, "closed", or "forced_open" by an operator.
SharedState = Literal["closed", "open", "forced_open"]
_CLASSES_BY_KIND = {cls.kind: cls for cls in error_classes()}
BUCKETS = 10
NO_CUSTOMER = ""  # calls made for no customer account count as one customer of their own


@dataclass(frozen=True, slots=True)
class Shared:
    """A breaker's state as every instance shares it (the database row)."""

    state: SharedState
    open_until: datetime | None  # while "open": when the first probe may go
    cause: str  # the error kind that opened it
    version: int
    changed_at: datetime | None
    changed_by: str


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    window_seconds: float = 60.0
    min_calls: int = 10
    failure_rate: float = 0.5
    min_customers: int = 3
    open_seconds: float = 30.0


@dataclass(slots=True)
class _Bucket:
    start: float = 0.0
    calls: int = 0
    failures: int = 0
    # At most min_customers codes: enough to know the threshold is reached (see _distinct).
    customers: set[str] = field(default_factory=set)


class Breaker:
    """One (store, endpoint). Not thread-safe: it lives on the event loop."""

    __slots__ = (
        "_buckets",
        "_clock",
        "_on_change",
        "_probing",
        "cause",
        "changed_at",
        "changed_by",
        "label",
        "opened_at",
        "policy",
        "state_name",
        "version",
    )

    def __init__(
        self,
        policy: BreakerPolicy,
        clock: Callable[[], float],
        *,
        label: str = "",
        on_change: Callable[[Breaker], None] | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._buckets = [_Bucket() for _ in range(BUCKETS)]
        self.state_name: Literal["closed", "open", "forced-open"] = "closed"
        self.opened_at = 0.0
        self.cause: type[ErpError] = ErpError
        self._probing = False
        self.label = label  # the store's slug, for metrics
        self._on_change = on_change
        # The shared row this state matches (0: none yet), and when and by whom it last changed.
        self.version = 0
        self.changed_at: datetime | None = None
        self.changed_by = ""

    @property
    def state(self) -> BreakerState:
        if self.state_name == "open" and self._clock() >= self.opened_at + self.policy.open_seconds:
            return "half-open"
        return self.state_name

    @property
    def forced(self) -> bool:
        return self.state_name == "forced-open"

    def refusing(self) -> bool:
        """True while it refuses every call (open, forced open, or a probe in flight): no call
        need be prepared at all. Checking does not change the state; ``admit`` does."""
        if self.state_name == "closed":
            return False
        if self.state_name == "forced-open":
            return True
        return self._probing or self._clock() < self.opened_at + self.policy.open_seconds

    def admit(self) -> bool:
        """True when this call may go out; a True in the half-open state makes it the probe."""
        if self.state_name == "closed":
            return True
        if self.state != "half-open" or self._probing:
            return False
        self._probing = True
        return True

    def refusal(self) -> ErpBreakerOpenError:
        if self.state_name == "forced-open":
            return ErpBreakerOpenError(
                "Calls paused by an operator (circuit breaker forced open); "
                "reset it on the Integration health page to call the ERP again",
                cause=self.cause,
            )
        seconds = max(0.0, self.opened_at + self.policy.open_seconds - self._clock())
        return ErpBreakerOpenError(
            f"Calls paused by the circuit breaker after too many ERP failures "
            f"({self.cause.kind}); next try in {seconds:.0f} s",
            cause=self.cause,
        )

    def open_until(self, now: datetime) -> datetime | None:
        """When an open breaker lets its probe through, in wall-clock time (None unless open)."""
        if self.state_name != "open":
            return None
        remaining = self.opened_at + self.policy.open_seconds - self._clock()
        return now + timedelta(seconds=remaining)

    def adopt(self, shared: Shared, now: datetime) -> None:
        """Take the shared state another instance or an operator wrote (no change is queued)."""
        self.version = shared.version
        self.changed_at, self.changed_by = shared.changed_at, shared.changed_by
        self.cause = _CLASSES_BY_KIND.get(shared.cause, self.cause)
        self._probing = False
        if shared.state == "forced_open":
            self.state_name = "forced-open"
        elif shared.state == "open":
            remaining = ((shared.open_until or now) - now).total_seconds()
            self.state_name = "open"
            self.opened_at = self._clock() + remaining - self.policy.open_seconds
        else:
            self._clear()

    def record(self, error: ErpError | None, customer: str | None) -> None:
        """The verdict of an admitted call: ``error`` None for an answer."""
        failed = error is not None and error.counts_for_breaker
        if self._probing:
            self._probing = False
            if failed:
                self._open(error)
            else:
                self._close()
            return
        if self.state_name != "closed":
            return  # a call admitted before the breaker opened (or was forced), finishing late
        bucket = self._current_bucket()
        bucket.calls += 1
        if not failed:
            return
        bucket.failures += 1
        if len(bucket.customers) < self.policy.min_customers:
            bucket.customers.add(customer or NO_CUSTOMER)
        if self._tripped():
            self._open(error)

    def abandon(self) -> None:
        """An admitted call ended without a verdict (cancelled): free the probe slot."""
        self._probing = False

    def reset(self) -> None:
        self._close()

    def _changed(self) -> None:
        self.changed_at = utcnow()
        self.changed_by = "automatic"
        if self._on_change is not None:
            self._on_change(self)

    def _tripped(self) -> bool:
        now = self._clock()
        horizon = now - self.policy.window_seconds
        calls = failures = 0
        customers: set[str] = set()
        for bucket in self._buckets:
            if bucket.start <= horizon or not bucket.calls:
                continue
            calls += bucket.calls
            failures += bucket.failures
            customers |= bucket.customers
        policy = self.policy
        return (
            calls >= policy.min_calls
            and failures >= calls * policy.failure_rate
            and len(customers) >= policy.min_customers
        )

    def _current_bucket(self) -> _Bucket:
        width = self.policy.window_seconds / BUCKETS
        now = self._clock()
        start = now - now % width
        bucket = self._buckets[int(now // width) % BUCKETS]
        if bucket.start != start:
            bucket.start, bucket.calls, bucket.failures = start, 0, 0
            bucket.customers.clear()
        return bucket

    def _open(self, error: ErpError | None) -> None:
        self.state_name = "open"
        self.opened_at = self._clock()
        if error is not None:
            self.cause = type(error)
        self._changed()

    def _close(self) -> None:
        self._clear()
        self._changed()

    def _clear(self) -> None:
        self.state_name = "closed"
        self._probing = False
        for bucket in self._buckets:
            bucket.start, bucket.calls, bucket.failures = 0.0, 0, 0
            bucket.customers.clear()


class BreakerBoard:
    """The breakers of one process, created on first use."""

    def __init__(self, policy: BreakerPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._breakers: dict[tuple[UUID | None, Endpoint], Breaker] = {}
        self._changed: dict[tuple[UUID | None, Endpoint], Breaker] = {}

    def get(self, store_id: UUID | None, endpoint: Endpoint, label: str = "") -> Breaker:
        key = (store_id, endpoint)
        breaker = self._breakers.get(key)
        if breaker is None:
            breaker = self._breakers[key] = Breaker(
                self.policy,
                self._clock,
                label=label,
                on_change=lambda changed: self._note_change(key, changed),
            )
        return breaker

    def find(self, store_id: UUID | None, endpoint: Endpoint) -> Breaker | None:
        return self._breakers.get((store_id, endpoint))

    def state(self, store_id: UUID | None, endpoint: Endpoint) -> BreakerState:
        breaker = self._breakers.get((store_id, endpoint))
        return "closed" if breaker is None else breaker.state

    def states(self) -> Iterator[tuple[str, Endpoint, BreakerState]]:
        """(store label, endpoint, state) of every breaker of a store this process knows."""
        for (store_id, endpoint), breaker in list(self._breakers.items()):
            if store_id is not None:
                yield breaker.label, endpoint, breaker.state

    def reset(self, store_id: UUID | None = None) -> None:
        """Close the breakers of one store, or of every store when store_id is None."""
        for (owner, _endpoint), breaker in self._breakers.items():
            if store_id is None or owner == store_id:
                breaker.reset()

    def _note_change(self, key: tuple[UUID | None, Endpoint], breaker: Breaker) -> None:
        if key[0] is not None:  # the checker's calls belong to no store: nothing to share
            self._changed[key] = breaker

    def adopt(self, store_id: UUID, endpoint: Endpoint, shared: Shared, now: datetime) -> None:
        """Take a shared state; a transition of this process not yet published is superseded."""
        self._changed.pop((store_id, endpoint), None)
        self.get(store_id, endpoint).adopt(shared, now)

    def take_changes(self) -> list[tuple[UUID, Endpoint, Breaker]]:
        """The breakers whose own transitions are not published yet; the queue is emptied."""
        changed = [
            (store_id, endpoint, breaker)
            for (store_id, endpoint), breaker in self._changed.items()
            if store_id is not None
        ]
        self._changed.clear()
        return changed
