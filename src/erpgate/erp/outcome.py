"""What goes into an ERP call and what comes out of it, as plain data.

``ErpCall`` is the request, encoded once; ``Outcome`` is everything the call produced: the
validated answer or the failure, the attempts, the timing and, for a failure, the reference the
buyer is given. The gateway hands each outcome to an ``OutcomeSink`` (the events writer), which
keeps what it needs in memory and writes it later, in batches.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

import orjson
from pydantic import BaseModel

from erpgate.erp.attempts import AttemptRecord
from erpgate.erp.contract import WireRequest
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpBreakerOpenError, ErpError, ErpNotFoundError
from erpgate.kit.ids import new_trace_id

if TYPE_CHECKING:
    from erpgate.erp.targets import ErpTarget

T = TypeVar("T", bound=BaseModel)
Source = Literal["storefront", "admin test", "replay", "api", "checker", "delivery"]


@dataclass(frozen=True, slots=True)
class Actor:
    """On whose behalf the ERP is asked; becomes the event's external_customer_id and related_to."""

    source: Source
    customer_account_id: uuid.UUID | None = None
    customer_code: str | None = None
    user_id: uuid.UUID | None = None
    impersonator_admin_id: uuid.UUID | None = None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@dataclass(slots=True)
class ErpCall(Generic[T]):
    """One request to one endpoint: the body as it goes on the wire, and how to read the answer.

    ``expected_customer_code`` arms the cross-customer guard (None: no guard, e.g. the checker's
    probe without credentials). ``saved_under`` asks the writer to save a successful answer as
    the stale fallback, under that key (the saved answers' own, computed once by the caller);
    ``durable`` makes the caller wait until the writer has stored the outcome (admin actions
    that link to the event they produced, order deliveries).
    """

    endpoint: Endpoint
    body: bytes
    answer_model: type[T]
    actor: Actor
    expected_customer_code: str | None = None
    trace_id: str = field(default_factory=new_trace_id)
    saved_under: tuple[Any, ...] | None = None
    durable: bool = False
    # Extra request headers of this call (submit_order's Idempotency-Key).
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls, endpoint: Endpoint, request: WireRequest, answer_model: type[T], actor: Actor
    ) -> ErpCall[T]:
        """A contract request, encoded once, guarded for the actor's own customer code."""
        return cls(endpoint, request.wire_json(), answer_model, actor, actor.customer_code)

    @classmethod
    def raw(
        cls,
        endpoint: Endpoint,
        payload: dict[str, Any],
        answer_model: type[T],
        actor: Actor,
        *,
        expected_customer_code: str | None = None,
    ) -> ErpCall[T]:
        """A body the caller built itself (replay of a stored request, conformance probes)."""
        body = orjson.dumps(payload, default=_json_default)
        return cls(endpoint, body, answer_model, actor, expected_customer_code)


@dataclass(slots=True)
class Outcome(Generic[T]):
    target: ErpTarget
    call: ErpCall[T]
    started_at: datetime
    value: T | None = None
    error: ErpError | None = None
    attempts: list[AttemptRecord] = field(default_factory=list)
    duration_ms: float = 0.0
    # For a failure: what the buyer is told to quote. Set by the sink (it names the problem).
    reference: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_found(self) -> bool:
        return isinstance(self.error, ErpNotFoundError)

    @property
    def failed(self) -> bool:
        """A failure the integration owns (not-found is an answer, not a failure)."""
        return self.error is not None and not isinstance(self.error, ErpNotFoundError)

    @property
    def refused(self) -> bool:
        """Refused by the breaker: nothing left the process."""
        return isinstance(self.error, ErpBreakerOpenError)

    @property
    def trace_id(self) -> str:
        return self.call.trace_id

    @property
    def answer_body(self) -> bytes | None:
        """The successful answer's bytes as the ERP sent them (the last attempt's body)."""
        if self.error is not None or not self.attempts:
            return None
        return self.attempts[-1].response_body


class OutcomeSink(Protocol):
    """Receives every outcome; must not block. For a failure it sets ``outcome.reference``.

    It returns an awaitable when the caller must wait before answering: the outcome opens a
    problem (its reference must survive a crash) or the call asked to be durable.
    """

    def accept(self, outcome: Outcome[Any]) -> Awaitable[None] | None: ...


class NullSink:
    """Keeps nothing; failures get their trace id as reference (the checker's CLI, tests)."""

    def accept(self, outcome: Outcome[Any]) -> None:
        if outcome.failed:
            outcome.reference = outcome.trace_id
        return None


class ListSink:
    """Keeps every outcome in memory (tests)."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome[Any]] = []

    def accept(self, outcome: Outcome[Any]) -> None:
        self.outcomes.append(outcome)
        if outcome.failed:
            outcome.reference = outcome.trace_id
        return None

    @property
    def attempts(self) -> list[AttemptRecord]:
        return [attempt for outcome in self.outcomes for attempt in outcome.attempts]
