"""The admin console's "Test integration": the same rules, each call recorded as an event.

Calls with the store's credentials go through the app's gateway as ``source="admin test"`` and
durable, so each one is an event (the report links ``/admin/events?q=<trace id>``) before the
page shows. The "no credentials" probe runs on a short-lived gateway of its own that keeps
nothing: an expected 401 must not become an event or open a problem, so its rows link nowhere.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from erpgate.conformance.caller import (
    Exchange,
    Headers,
    call_gateway,
    without_credentials,
)
from erpgate.conformance.checker import run_checks
from erpgate.conformance.payloads import CheckPlan
from erpgate.conformance.results import ConformanceReport
from erpgate.conformance.wording import ADMIN_WORDING
from erpgate.erp.contract import RESPONSE_MODELS
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpNotConfiguredError
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, NullSink, Source
from erpgate.integration.service import LiveIntegration
from erpgate.kit.ids import new_trace_id
from erpgate.models.customer_account import CustomerAccount

T = TypeVar("T", bound=BaseModel)

ADMIN_TEST_SOURCE: Source = "admin test"


class AdminCaller:
    """Calls through the app's gateway on behalf of the customer code being tested (and of the
    other customer the cross-customer rules compare with)."""

    wording = ADMIN_WORDING

    def __init__(
        self,
        gateway: ErpGateway,
        integration: LiveIntegration,
        actor: Actor,
        probe: ErpGateway,
    ) -> None:
        self.gateway = gateway
        self.integration = integration
        self.actor = actor
        self.probe = probe

    @property
    def endpoints(self) -> frozenset[Endpoint]:
        return self.integration.enabled_endpoints

    @property
    def places_orders(self) -> bool:
        # The store's settings point at the merchant's live ERP: a test order there would be
        # a real order for someone to find and cancel.
        return False

    def timeout_seconds(self, endpoint: Endpoint) -> float:
        return self.integration.timeouts.get(endpoint, endpoint.default_timeout_seconds)

    async def call(
        self,
        endpoint: Endpoint,
        payload: dict[str, Any],
        model: type[T],
        customer_code: str,
        headers: Headers = (),
    ) -> Exchange[T]:
        target = self.integration.target(endpoint)
        if target is None:
            return _not_configured(endpoint)
        actor = self.actor
        if customer_code != actor.customer_code:
            actor = Actor(source=ADMIN_TEST_SOURCE, customer_code=customer_code)
        exchange = await call_gateway(
            self.gateway,
            target,
            payload,
            model,
            customer_code,
            actor,
            durable=True,
            headers=headers,
        )
        exchange.event_recorded = True  # durable: written before the answer came back
        return exchange

    async def call_without_credentials(
        self, endpoint: Endpoint, payload: dict[str, Any], headers: Headers = ()
    ) -> Exchange[BaseModel]:
        target = self.integration.target(endpoint)
        if target is None:
            return _not_configured(endpoint)
        model: type[BaseModel] = RESPONSE_MODELS[endpoint]
        bare = without_credentials(self.probe, target)
        return await call_gateway(self.probe, bare, payload, model, None, headers=headers)


def _not_configured(endpoint: Endpoint) -> Exchange[Any]:
    error = ErpNotConfiguredError(f"The {endpoint.label} is not set")
    return Exchange(endpoint, None, error, 0.0, new_trace_id())


async def run_admin_test(
    gateway: ErpGateway,
    integration: LiveIntegration,
    plan: CheckPlan,
    account: CustomerAccount | None = None,
) -> ConformanceReport:
    """Run every rule against the store's configured endpoints for ``plan.customer_code``;
    ``account`` is the store's account of that code, when there is one (events link it)."""
    actor = Actor(
        source=ADMIN_TEST_SOURCE,
        customer_account_id=account.id if account is not None else None,
        customer_code=plan.customer_code,
    )
    # Same SSRF and size rules as the app's gateway; its own breakers and no records.
    probe = ErpGateway(gateway.options, NullSink())
    await probe.start()
    try:
        caller = AdminCaller(gateway, integration, actor, probe)
        return await run_checks(caller, plan)
    finally:
        await probe.close()
