"""run_admin_test: the same rules through the event gateway, each call an "admin test" event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from erpgate.config import Settings
from erpgate.conformance import run_admin_test
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import ListSink
from erpgate.erp.targets import build_target
from erpgate.integration.service import LiveIntegration
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.customer_account import CustomerAccount
from erpgate.outcomes.rows import event_type, outcome_name
from tests.conformance.helpers import CUSTOMER, failed, only


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[ErpGateway]:
    """The app's gateway as Test integration uses it, keeping every outcome in a list."""
    gateway = ErpGateway(ErpClientOptions.from_settings(settings), ListSink())
    await gateway.start()
    yield gateway
    await gateway.close()


def outcomes(gateway: ErpGateway) -> list:
    sink = gateway.sink
    assert isinstance(sink, ListSink)
    return sink.outcomes


def live(
    gateway: ErpGateway, handle: MockErpHandle, endpoints: list[Endpoint] | None = None
) -> LiveIntegration:
    chosen = endpoints or list(Endpoint)
    store_id = uuid.uuid4()
    credentials = Credentials(auth_style="bearer", token=handle.config.token)
    timeouts = {endpoint: endpoint.default_timeout_seconds for endpoint in Endpoint}
    return LiveIntegration(
        store_id=store_id,
        installed=True,
        urls={endpoint: handle.urls[endpoint.value] for endpoint in chosen},
        timeouts=timeouts,
        credentials=credentials,
        tax_failure_policy="estimate",
        stale_max_age_seconds=3600,
        notify_sender=None,
        notify_receivers=(),
        targets={
            endpoint: build_target(
                gateway.options,
                store_id=store_id,
                endpoint=endpoint,
                url=handle.urls[endpoint.value],
                timeout_seconds=timeouts[endpoint],
                credentials=credentials,
            )
            for endpoint in chosen
        },
    )


def account(code: str = CUSTOMER) -> CustomerAccount:
    return CustomerAccount(
        id=uuid.uuid4(),
        store_id=uuid.uuid4(),
        name="Acme",
        customer_code=code,
        seller_reference=None,
    )


async def test_a_conforming_erp_passes_and_every_call_is_an_admin_test_event(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    buyer_company = account()

    report = await run_admin_test(gateway, live(gateway, mock_erp), buyer_company)
    calls = outcomes(gateway)

    assert report.failures == []
    assert report.summary.startswith("All rules passed")
    # Raw formats are check-erp's job: the gateway hands back validated models only.
    assert report.find("format.money") == []
    assert calls, "no event recorded"
    assert {o.call.actor.source for o in calls} == {"admin test"}
    assert {o.call.actor.customer_code for o in calls} == {CUSTOMER}
    assert {o.call.actor.customer_account_id for o in calls} == {buyer_company.id}
    assert {event_type(o) for o in calls} == {"integration.test"}
    assert all(o.call.durable for o in calls)  # stored before the report links them
    event_traces = {o.trace_id for o in calls}
    shape = only(report, "shape.orders", "orders")
    assert shape.trace_id in event_traces
    # The no-credentials probe bypasses the gateway: no event, but its request is in the report.
    auth = only(report, "auth.required", "orders")
    assert auth.trace_id not in event_traces
    assert [request.status for request in auth.requests] == [401]


async def test_a_failing_endpoint_names_the_rule_and_the_event(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    mock_erp.set_fault("invoices", "status", status=500)

    report = await run_admin_test(gateway, live(gateway, mock_erp), account())

    assert failed(report) == {("shape.invoices", "invoices")}
    shape = only(report, "shape.invoices", "invoices")
    assert shape.message == "ERP answered 500 Internal Server Error"
    assert not shape.passed
    event = next(o for o in outcomes(gateway) if o.trace_id == shape.trace_id)
    assert outcome_name(event) == "error"
    assert event.error is not None
    assert event.error.human == "ERP answered 500 Internal Server Error"


async def test_only_configured_endpoints_are_tested(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    report = await run_admin_test(
        gateway, live(gateway, mock_erp, [Endpoint.BALANCE, Endpoint.TAXES]), account()
    )

    assert {result.endpoint for result in report.results} == {"balance", "taxes"}
    assert report.passed
