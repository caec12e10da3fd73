"""How the checker reaches an ERP: one rule engine, two ways of making calls.

``DirectCaller`` (the CLI) drives its own ``ErpClient`` and reads every attempt from a
``ListSink``; ``erpgate.conformance.admin.AdminCaller`` goes through the event gateway so each
call becomes an event. Both hand the engine the same ``Exchange``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from erpgate.conformance.results import RequestRef
from erpgate.erp.attempts import ListSink
from erpgate.erp.client import EndpointTarget, ErpClient
from erpgate.erp.contract import RESPONSE_MODELS
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpError, ErpNotFoundError, ErpTimeoutError
from erpgate.kit.ids import new_trace_id

T = TypeVar("T", bound=BaseModel)

# The client refuses to send incomplete credentials, so "no credentials" is a harmless custom
# header that no auth style of the contract reads: the request carries nothing an ERP accepts.
NO_CREDENTIALS = Credentials(
    auth_style="header",
    key="X-Erpgate-Conformance",
    token="no-credentials",  # noqa: S106 - deliberately not a credential
)


@dataclass(slots=True)
class Exchange(Generic[T]):
    """One ERP call as the rules see it: the validated answer or the client's error."""

    endpoint: Endpoint
    value: T | None
    error: ErpError | None
    duration_ms: float
    trace_id: str
    requests: list[RequestRef] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)  # 2xx bodies, when the caller can see them

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def not_found(self) -> bool:
        return isinstance(self.error, ErpNotFoundError)

    @property
    def timed_out(self) -> bool:
        return isinstance(self.error, ErpTimeoutError)

    @property
    def human(self) -> str:
        return self.error.human if self.error is not None else ""


class Caller(Protocol):
    """What the rule engine needs from a way of calling the ERP."""

    @property
    def endpoints(self) -> frozenset[Endpoint]: ...

    @property
    def sees_raw_answers(self) -> bool: ...

    def timeout_seconds(self, endpoint: Endpoint) -> float: ...

    async def call(
        self, endpoint: Endpoint, payload: dict[str, Any], model: type[T]
    ) -> Exchange[T]: ...

    async def call_without_credentials(
        self, endpoint: Endpoint, payload: dict[str, Any]
    ) -> Exchange[BaseModel]: ...


def attempts_exchange(
    endpoint: Endpoint,
    sink: ListSink,
    trace_id: str,
    since: int,
    value: T | None,
    error: ErpError | None,
    duration_ms: float,
) -> Exchange[T]:
    """An Exchange with the attempts recorded under ``trace_id`` since index ``since``."""
    attempts = [record for record in sink.records[since:] if record.trace_id == trace_id]
    return Exchange(
        endpoint=endpoint,
        value=value,
        error=error,
        duration_ms=duration_ms,
        trace_id=trace_id,
        requests=[RequestRef.from_attempt(record) for record in attempts],
        bodies=[
            record.response_body
            for record in attempts
            if record.status is not None
            and 200 <= record.status < 300
            and not record.response_truncated
        ],
    )


async def call_client(
    client: ErpClient,
    sink: ListSink,
    target: EndpointTarget,
    payload: dict[str, Any],
    model: type[T],
    expected_customer_code: str | None,
) -> Exchange[T]:
    """Call through the client, never raising ErpError: the rules judge the outcome."""
    trace_id = new_trace_id()
    since = len(sink.records)
    value: T | None = None
    error: ErpError | None = None
    started = time.perf_counter()
    try:
        # No coalescing: each rule must see its own request, not a neighbour's shared one.
        value = await client.call(
            target,
            payload,
            model,
            trace_id=trace_id,
            expected_customer_code=expected_customer_code,
            coalesce=False,
        )
    except ErpError as exc:
        error = exc
    duration_ms = (time.perf_counter() - started) * 1000.0
    return attempts_exchange(target.endpoint, sink, trace_id, since, value, error, duration_ms)


class DirectCaller:
    """Calls the ERP straight through an ErpClient (the CLI: no database, no events)."""

    sees_raw_answers = True

    def __init__(
        self,
        client: ErpClient,
        sink: ListSink,
        targets: dict[Endpoint, EndpointTarget],
        customer_code: str,
    ) -> None:
        self.client = client
        self.sink = sink
        self.targets = targets
        self.customer_code = customer_code

    @property
    def endpoints(self) -> frozenset[Endpoint]:
        return frozenset(self.targets)

    def timeout_seconds(self, endpoint: Endpoint) -> float:
        return self.targets[endpoint].timeout_seconds

    async def call(
        self, endpoint: Endpoint, payload: dict[str, Any], model: type[T]
    ) -> Exchange[T]:
        return await call_client(
            self.client, self.sink, self.targets[endpoint], payload, model, self.customer_code
        )

    async def call_without_credentials(
        self, endpoint: Endpoint, payload: dict[str, Any]
    ) -> Exchange[BaseModel]:
        target = dataclasses.replace(self.targets[endpoint], credentials=NO_CREDENTIALS)
        model: type[BaseModel] = RESPONSE_MODELS[endpoint]
        return await call_client(self.client, self.sink, target, payload, model, None)
