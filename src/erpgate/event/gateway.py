"""The one way the app talks to an ERP: call through the client and turn the outcome into an event.

Callers (storefront, checkout, admin test, replay) get the validated answer, or ``ErpCallFailed``
carrying the reference code the buyer sees. The ERP's own words never travel past this module
except inside the event, which only staff can read.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpError, ErpNotFoundError
from erpgate.integration.service import LiveIntegration
from erpgate.kit.ids import new_trace_id
from erpgate.web.state import AppState

T = TypeVar("T", bound=BaseModel)
Source = Literal["storefront", "admin test", "replay", "api"]
Outcome = Literal["success", "error", "not_found"]


@dataclass(frozen=True, slots=True)
class Actor:
    """On whose behalf the ERP is asked; becomes the event's external_customer_id and related_to."""

    source: Source
    customer_account_id: uuid.UUID | None
    customer_code: str | None
    user_id: uuid.UUID | None = None
    impersonator_admin_id: uuid.UUID | None = None


@dataclass(slots=True)
class CallRecord:
    """Everything an event needs about one ERP interaction."""

    store_id: uuid.UUID
    endpoint: Endpoint
    actor: Actor
    trace_id: str
    occurred_at: datetime
    outcome: Outcome = "success"
    duration_ms: float = 0.0
    error: str = ""  # the short human sentence; empty on success
    error_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def event_type(self) -> str:
        return "integration.test" if self.actor.source == "admin test" else self.endpoint.event_type

    def event_data(self) -> dict[str, Any]:
        """The event data exactly as the product documents it."""
        related: dict[str, str | None] = {
            "customer": str(self.actor.customer_account_id)
            if self.actor.customer_account_id
            else None,
            "user": str(self.actor.user_id) if self.actor.user_id else None,
        }
        if self.actor.impersonator_admin_id:
            related["impersonator"] = str(self.actor.impersonator_admin_id)
        return {
            "external_customer_id": self.actor.customer_code,
            "related_to": related,
            "trace_id": self.trace_id,
            "error": self.error,
        }


class EventRecorder(Protocol):
    """Stores events. Failures are written before the caller continues (own transaction, with the
    notification outbox row); successes may be queued and sampled."""

    async def record(self, call: CallRecord) -> None: ...


class ErpCallFailed(Exception):
    def __init__(self, reference: str, error: ErpError) -> None:
        super().__init__(error.human)
        self.reference = reference
        self.error = error


class ErpNotConfigured(Exception):
    """The endpoint's URL is not set (or the app is not installed): the feature is off."""


@dataclass(frozen=True, slots=True)
class CallResult(Generic[T]):
    value: T
    trace_id: str


EVENT_RECORDER = "event_recorder"


def event_recorder(state: AppState) -> EventRecorder:
    recorder: EventRecorder = state.services[EVENT_RECORDER]
    return recorder


async def call_erp(
    state: AppState,
    integration: LiveIntegration,
    endpoint: Endpoint,
    payload: dict[str, Any],
    response_model: type[T],
    actor: Actor,
    *,
    trace_id: str | None = None,
) -> CallResult[T]:
    target = integration.target(endpoint)
    if target is None:
        raise ErpNotConfigured(endpoint.value)
    call = CallRecord(
        store_id=integration.store_id,
        endpoint=endpoint,
        actor=actor,
        trace_id=trace_id or new_trace_id(),
        occurred_at=state.clock.now(),
    )
    started = time.perf_counter()
    try:
        value = await state.erp_client.call(
            target,
            payload,
            response_model,
            trace_id=call.trace_id,
            expected_customer_code=actor.customer_code,
        )
    except ErpNotFoundError:
        call.outcome = "not_found"
        call.duration_ms = (time.perf_counter() - started) * 1000
        await event_recorder(state).record(call)
        raise
    except ErpError as exc:
        call.outcome = "error"
        call.error = exc.human
        call.error_kind = exc.kind
        call.duration_ms = (time.perf_counter() - started) * 1000
        await event_recorder(state).record(call)
        raise ErpCallFailed(call.trace_id, exc) from exc
    call.duration_ms = (time.perf_counter() - started) * 1000
    await event_recorder(state).record(call)
    return CallResult(value=value, trace_id=call.trace_id)
