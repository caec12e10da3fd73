"""How the checker reaches an ERP: one rule engine, two ways of making calls, one gateway call.

``DirectCaller`` (the CLI) drives a gateway of its own that keeps nothing; ``erpgate.conformance.
admin.AdminCaller`` uses the app's gateway, so each call becomes an event. Both turn the
gateway's ``Outcome`` into the same ``Exchange`` for the rule engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from erpgate.conformance.results import RequestRef
from erpgate.conformance.wording import Wording
from erpgate.erp.adapters.targets import without_credentials as adapted_without_credentials
from erpgate.erp.attempts import AttemptRecord
from erpgate.erp.contract import RESPONSE_MODELS
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpError, ErpNotFoundError, ErpTimeoutError
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, Outcome
from erpgate.erp.targets import ErpTarget, build_target

T = TypeVar("T", bound=BaseModel)
Headers = tuple[tuple[str, str], ...]

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
    bodies: list[bytes] = field(default_factory=list)  # complete 2xx bodies, for format.*
    attempts: list[AttemptRecord] = field(default_factory=list)  # unmasked: mask to show
    customer_code: str | None = None  # on whose behalf it was asked (None: no credentials)
    # An event of the store holds this call, so a page may link to it; the CLI's calls and the
    # admin's no-credentials probe are kept nowhere.
    event_recorded: bool = False

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
    def wording(self) -> Wording: ...

    @property
    def places_orders(self) -> bool:
        """Whether the submit_order rules may place a test order through this caller."""
        ...

    def timeout_seconds(self, endpoint: Endpoint) -> float: ...

    async def call(
        self,
        endpoint: Endpoint,
        payload: dict[str, Any],
        model: type[T],
        customer_code: str,
        headers: Headers = (),
    ) -> Exchange[T]:
        """One credentialed call on behalf of ``customer_code`` (the guard expects it);
        ``headers`` are the call's own (submit_order's Idempotency-Key)."""
        ...

    async def call_without_credentials(
        self, endpoint: Endpoint, payload: dict[str, Any], headers: Headers = ()
    ) -> Exchange[BaseModel]: ...


CHECKER = Actor(source="checker")


def exchange_of(outcome: Outcome[T], customer_code: str | None = None) -> Exchange[T]:
    """The rule engine's view of an outcome: answer or error, and every attempt behind it."""
    attempts = outcome.attempts
    return Exchange(
        endpoint=outcome.call.endpoint,
        value=outcome.value,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
        trace_id=outcome.trace_id,
        requests=[RequestRef.from_attempt(record) for record in attempts],
        bodies=[
            record.response_body
            for record in attempts
            if record.status is not None
            and 200 <= record.status < 300
            and not record.response_truncated
        ],
        attempts=list(attempts),
        customer_code=customer_code,
    )


async def call_gateway(
    gateway: ErpGateway,
    target: ErpTarget,
    payload: dict[str, Any],
    model: type[T],
    expected_customer_code: str | None,
    actor: Actor = CHECKER,
    *,
    durable: bool = False,
    headers: Headers = (),
) -> Exchange[T]:
    """One checker call. Never coalesced: each rule must see its own request, not a
    neighbour's shared one."""
    call = ErpCall.raw(
        target.endpoint, payload, model, actor, expected_customer_code=expected_customer_code
    )
    call.durable = durable
    call.headers = headers
    outcome = await gateway.read(target, call, coalesce=False)
    return exchange_of(outcome, expected_customer_code)


class DirectCaller:
    """Calls the ERP through a gateway of its own (the CLI: no database, no events)."""

    def __init__(
        self, gateway: ErpGateway, targets: dict[Endpoint, ErpTarget], wording: Wording
    ) -> None:
        self.gateway = gateway
        self.targets = targets
        self.wording = wording

    @property
    def endpoints(self) -> frozenset[Endpoint]:
        return frozenset(self.targets)

    @property
    def places_orders(self) -> bool:
        # Whoever runs check-erp chose the ERP and its Submit Order URL: docs/check-erp.md says
        # that a test order is placed there.
        return True

    def timeout_seconds(self, endpoint: Endpoint) -> float:
        return self.targets[endpoint].timeout_seconds

    async def call(
        self,
        endpoint: Endpoint,
        payload: dict[str, Any],
        model: type[T],
        customer_code: str,
        headers: Headers = (),
    ) -> Exchange[T]:
        return await call_gateway(
            self.gateway, self.targets[endpoint], payload, model, customer_code, headers=headers
        )

    async def call_without_credentials(
        self, endpoint: Endpoint, payload: dict[str, Any], headers: Headers = ()
    ) -> Exchange[BaseModel]:
        target = without_credentials(self.gateway, self.targets[endpoint])
        model: type[BaseModel] = RESPONSE_MODELS[endpoint]
        return await call_gateway(self.gateway, target, payload, model, None, headers=headers)


def without_credentials(gateway: ErpGateway, target: ErpTarget) -> ErpTarget:
    """The same endpoint, sending no credential any auth style of the contract reads."""
    if target.adapter is not None:
        return adapted_without_credentials(target)
    return build_target(
        gateway.options,
        store_id=target.store_id,
        endpoint=target.endpoint,
        url=target.url,
        timeout_seconds=target.timeout_seconds,
        credentials=NO_CREDENTIALS,
    )
