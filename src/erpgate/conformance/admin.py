"""The admin console's "Test integration": the same rules, each call recorded as an event.

Calls with the store's credentials go through the event gateway with ``source="admin test"``, so
each one is an event whose trace id the report carries (the page links
``/admin/events?q=<trace id>``). The "no credentials" probe cannot use the gateway (it would send
the store's credentials), so it runs on a short-lived client of its own and is kept in a
ListSink only.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, TypeVar

from pydantic import BaseModel

from erpgate.conformance.caller import NO_CREDENTIALS, Exchange, call_client
from erpgate.conformance.checker import run_checks
from erpgate.conformance.payloads import CheckPlan
from erpgate.conformance.results import ConformanceReport
from erpgate.erp.attempts import ListSink
from erpgate.erp.client import ErpClient
from erpgate.erp.contract import RESPONSE_MODELS
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpBlockedError, ErpError, ErpNotFoundError
from erpgate.event.gateway import Actor, ErpCallFailed, ErpNotConfigured, Source, call_erp
from erpgate.integration.service import LiveIntegration
from erpgate.kit.ids import new_trace_id
from erpgate.models.customer_account import CustomerAccount
from erpgate.web.state import AppState

T = TypeVar("T", bound=BaseModel)

ADMIN_TEST_SOURCE: Source = "admin test"


class AdminCaller:
    """Calls through ``call_erp`` as the chosen customer account."""

    # The gateway hands back validated models, not bodies: shape.* covers formats here.
    sees_raw_answers = False

    def __init__(
        self,
        state: AppState,
        integration: LiveIntegration,
        account: CustomerAccount,
        probe: ErpClient,
        probe_sink: ListSink,
    ) -> None:
        self.state = state
        self.integration = integration
        self.actor = Actor(
            source=ADMIN_TEST_SOURCE,
            customer_account_id=account.id,
            customer_code=account.customer_code,
        )
        self.probe = probe
        self.probe_sink = probe_sink

    @property
    def endpoints(self) -> frozenset[Endpoint]:
        return self.integration.enabled_endpoints

    def timeout_seconds(self, endpoint: Endpoint) -> float:
        return self.integration.timeouts.get(endpoint, endpoint.default_timeout_seconds)

    async def call(
        self, endpoint: Endpoint, payload: dict[str, Any], model: type[T]
    ) -> Exchange[T]:
        trace_id = new_trace_id()
        value: T | None = None
        error: ErpError | None = None
        started = time.perf_counter()
        try:
            result = await call_erp(
                self.state,
                self.integration,
                endpoint,
                payload,
                model,
                self.actor,
                trace_id=trace_id,
            )
            value = result.value
        except ErpCallFailed as exc:
            error = exc.error
        except ErpNotFoundError as exc:
            error = exc
        except ErpNotConfigured:
            error = ErpBlockedError(f"The {endpoint.label} is not set", kind="not_configured")
        duration_ms = (time.perf_counter() - started) * 1000.0
        return Exchange(endpoint, value, error, duration_ms, trace_id)

    async def call_without_credentials(
        self, endpoint: Endpoint, payload: dict[str, Any]
    ) -> Exchange[BaseModel]:
        target = self.integration.target(endpoint)
        if target is None:
            error = ErpBlockedError(f"The {endpoint.label} is not set", kind="not_configured")
            return Exchange(endpoint, None, error, 0.0, new_trace_id())
        bare = dataclasses.replace(target, credentials=NO_CREDENTIALS)
        model: type[BaseModel] = RESPONSE_MODELS[endpoint]
        return await call_client(self.probe, self.probe_sink, bare, payload, model, None)


async def run_admin_test(
    state: AppState, integration: LiveIntegration, account: CustomerAccount
) -> ConformanceReport:
    """Run every rule against the store's configured endpoints for one customer account."""
    plan = CheckPlan(customer_code=account.customer_code, seller_reference=account.seller_reference)
    sink = ListSink()
    # Same SSRF and size rules as the app's client; its own breakers, so probes answered 401
    # never count against the store's live calls.
    probe = ErpClient(dataclasses.replace(state.erp_client.options), sink)
    await probe.start()
    try:
        caller = AdminCaller(state, integration, account, probe, sink)
        return await run_checks(caller, plan)
    finally:
        await probe.close()
