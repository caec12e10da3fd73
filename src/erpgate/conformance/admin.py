"""The admin console's "Test integration": the same rules, each call recorded as an event.

Calls with the store's credentials go through the app's gateway as ``source="admin test"`` and
durable, so each one is an event (the report links ``/admin/events?q=<trace id>``) before the
page shows. The "no credentials" probe runs on a short-lived gateway of its own that keeps
nothing: an expected 401 must not become an event or open a problem.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from erpgate.conformance.caller import (
    Exchange,
    call_gateway,
    without_credentials,
)
from erpgate.conformance.checker import run_checks
from erpgate.conformance.payloads import CheckPlan
from erpgate.conformance.results import ConformanceReport
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
    """Calls through the app's gateway as the chosen customer account."""

    # The gateway hands back validated models, not bodies: shape.* covers formats here.
    sees_raw_answers = False

    def __init__(
        self,
        gateway: ErpGateway,
        integration: LiveIntegration,
        account: CustomerAccount,
        probe: ErpGateway,
    ) -> None:
        self.gateway = gateway
        self.integration = integration
        self.actor = Actor(
            source=ADMIN_TEST_SOURCE,
            customer_account_id=account.id,
            customer_code=account.customer_code,
        )
        self.probe = probe

    @property
    def endpoints(self) -> frozenset[Endpoint]:
        return self.integration.enabled_endpoints

    def timeout_seconds(self, endpoint: Endpoint) -> float:
        return self.integration.timeouts.get(endpoint, endpoint.default_timeout_seconds)

    async def call(
        self, endpoint: Endpoint, payload: dict[str, Any], model: type[T]
    ) -> Exchange[T]:
        target = self.integration.target(endpoint)
        if target is None:
            return _not_configured(endpoint)
        return await call_gateway(
            self.gateway,
            target,
            payload,
            model,
            self.actor.customer_code,
            self.actor,
            durable=True,
        )

    async def call_without_credentials(
        self, endpoint: Endpoint, payload: dict[str, Any]
    ) -> Exchange[BaseModel]:
        target = self.integration.target(endpoint)
        if target is None:
            return _not_configured(endpoint)
        model: type[BaseModel] = RESPONSE_MODELS[endpoint]
        bare = without_credentials(self.probe, target)
        return await call_gateway(self.probe, bare, payload, model, None)


def _not_configured(endpoint: Endpoint) -> Exchange[Any]:
    error = ErpNotConfiguredError(f"The {endpoint.label} is not set")
    return Exchange(endpoint, None, error, 0.0, new_trace_id())


async def run_admin_test(
    gateway: ErpGateway, integration: LiveIntegration, account: CustomerAccount
) -> ConformanceReport:
    """Run every rule against the store's configured endpoints for one customer account."""
    plan = CheckPlan(customer_code=account.customer_code, seller_reference=account.seller_reference)
    # Same SSRF and size rules as the app's gateway; its own breakers and no records.
    probe = ErpGateway(gateway.options, NullSink())
    await probe.start()
    try:
        caller = AdminCaller(gateway, integration, account, probe)
        return await run_checks(caller, plan)
    finally:
        await probe.close()
