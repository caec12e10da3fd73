"""Test integration (the admin's conformance run) through a store's adapter profile: the same
rules as check-erp, each call an "admin test" event, the no-credentials probe sent bare."""

from __future__ import annotations

import uuid

import pytest

from erpgate.conformance import run_admin_test
from erpgate.conformance.payloads import CheckPlan
from erpgate.erp.adapters.targets import adapter_target
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import ListSink
from erpgate.integration.service import LiveIntegration
from erpgate.twins import running_twin
from erpgate.twins.registry import adapter_credentials
from tests.adapters.twin_reads import ACME, GIBSONBURG, twin_profile

ADAPTED = (Endpoint.ORDERS, Endpoint.ORDER, Endpoint.INVOICES, Endpoint.INVOICE, Endpoint.BALANCE)


@pytest.mark.parametrize("name", ["sap-b1", "odoo"])
async def test_every_rule_passes_through_the_stores_profile(name: str) -> None:
    async with running_twin(name) as twin:
        host = twin.origin.removeprefix("http://")
        gateway = ErpGateway(ErpClientOptions(allowed_private_hosts=frozenset({host})), ListSink())
        await gateway.start()
        store_id = uuid.uuid4()
        key, token = adapter_credentials(name)
        profile = twin_profile(name, twin)
        targets = {
            endpoint: adapter_target(
                gateway.options,
                store_id=store_id,
                endpoint=endpoint,
                profile=profile,
                timeout_seconds=5.0,
                key=key,
                token=token,
            )
            for endpoint in ADAPTED
        }
        integration = LiveIntegration(
            store_id=store_id,
            installed=True,
            urls={endpoint: target.url for endpoint, target in targets.items()},
            timeouts={endpoint: 5.0 for endpoint in Endpoint},
            credentials=Credentials(),
            tax_failure_policy="estimate",
            stale_max_age_seconds=3600,
            order_retry_hours=24,
            price_cache_seconds=300,
            stock_cache_seconds=30,
            notify_sender=None,
            notify_receivers=(),
            targets=dict(targets),
            adapted=frozenset(targets),
        )
        try:
            plan = CheckPlan(customer_code=ACME, other_customer_code=GIBSONBURG)
            report = await run_admin_test(gateway, integration, plan)
        finally:
            await gateway.close()
    assert report.failures == [], [(f.rule, f.endpoint, f.message) for f in report.failures]
    refused = [r for r in report.results if r.rule == "auth.required"]
    assert {r.endpoint for r in refused} == {e.value for e in ADAPTED}
    assert all(r.message.startswith("Refused without credentials (401") for r in refused)
    sink = gateway.sink
    assert isinstance(sink, ListSink)
    assert {o.call.actor.source for o in sink.outcomes} == {"admin test"}
