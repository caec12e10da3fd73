"""Circuit breakers per (store, endpoint), on top of purgatory's in-memory breakers.

purgatory does the state machine (closed → opened after `threshold` consecutive failures →
half-opened after `ttl` → closed on a success or opened again on a failure). What this module
adds: which errors count (only transient errors and 5xx: a 404 for a mistyped id or a contract
error says nothing about the ERP being down), a synchronous state read for the health page
(purgatory only moves opened → half-opened on the next request, so the read derives it from
`opened_at`), and a reset.

purgatory's half-opened state lets every concurrent call through rather than a single probe;
coalescing makes identical calls share one request, which keeps the burst small.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal
from uuid import UUID

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import ClosedState, Context, OpenedState

from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpBlockedError, ErpRejectedError, ErpTransientError

BreakerState = Literal["closed", "open", "half-open"]


def counts_as_failure(exc: BaseException) -> bool:
    if isinstance(exc, ErpTransientError):
        return True
    return isinstance(exc, ErpRejectedError) and (exc.status or 0) >= 500


def _not_a_failure(exc: BaseException) -> bool:
    return not counts_as_failure(exc)


def circuit_name(store_id: UUID | None, endpoint: Endpoint) -> str:
    return f"{store_id or '-'}:{endpoint.value}"


class BreakerBoard:
    def __init__(self, threshold: int, ttl_seconds: float) -> None:
        self.threshold = threshold
        self.ttl_seconds = ttl_seconds
        # Every exception is run through _not_a_failure: a True answer means "not a failure",
        # including cancellation (the buyer went away; the ERP did nothing wrong).
        self._factory = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=ttl_seconds,
            exclude=[(BaseException, _not_a_failure)],
        )
        self._contexts: dict[str, Context] = {}

    @asynccontextmanager
    async def guard(self, store_id: UUID | None, endpoint: Endpoint) -> AsyncIterator[None]:
        """Run the block under the breaker; raise ErpBlockedError at once while it is open."""
        name = circuit_name(store_id, endpoint)
        breaker = await self._factory.get_breaker(name)
        self._contexts[name] = breaker.context
        try:
            await breaker.__aenter__()
        except OpenedState:
            raise ErpBlockedError(
                f"Circuit open after {self.threshold} failures; "
                f"calls paused for {self.ttl_seconds:g} s",
                kind="breaker_open",
            ) from None
        try:
            yield
        except BaseException as exc:
            await breaker.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        await breaker.__aexit__(None, None, None)

    def state(self, store_id: UUID | None, endpoint: Endpoint) -> BreakerState:
        context = self._contexts.get(circuit_name(store_id, endpoint))
        if context is None or context.state == "closed":
            return "closed"
        if context.state == "opened":
            opened_at = context.opened_at or 0.0
            return "half-open" if time.time() > opened_at + context.ttl else "open"
        return "half-open"

    def reset(self, store_id: UUID | None = None) -> None:
        prefix = f"{store_id}:" if store_id is not None else ""
        for name, context in self._contexts.items():
            if name.startswith(prefix) and context.state != "closed":
                context.set_state(ClosedState())
                context.messages.clear()
