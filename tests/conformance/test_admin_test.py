"""run_admin_test: the same rules through the event gateway, each call an "admin test" event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from erpgate.config import Settings
from erpgate.conformance import run_admin_test
from erpgate.db.engine import create_session_factory
from erpgate.erp.attempts import NullSink
from erpgate.erp.client import ErpClient, ErpClientOptions
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.event.gateway import EVENT_RECORDER, CallRecord
from erpgate.integration.service import LiveIntegration
from erpgate.kit.clock import Clock
from erpgate.kit.crypto import SecretBox, generate_key
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.customer_account import CustomerAccount
from erpgate.web.state import AppState
from tests.conformance.helpers import CUSTOMER, failed, only


class ListRecorder:
    """Keeps the gateway's call records, standing in for the events domain's recorder."""

    def __init__(self) -> None:
        self.calls: list[CallRecord] = []

    async def record(self, call: CallRecord) -> None:
        self.calls.append(call)


@pytest.fixture
async def state(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AppState]:
    client = ErpClient(ErpClientOptions.from_settings(settings), NullSink())
    await client.start()
    app_state = AppState(
        settings=settings,
        engine=engine,
        session_factory=create_session_factory(engine),
        secret_box=SecretBox([generate_key()]),
        erp_client=client,
        clock=Clock(),
        services={EVENT_RECORDER: ListRecorder()},
    )
    yield app_state
    await client.close()


def live(handle: MockErpHandle, endpoints: list[Endpoint] | None = None) -> LiveIntegration:
    chosen = endpoints or list(Endpoint)
    return LiveIntegration(
        store_id=uuid.uuid4(),
        installed=True,
        urls={endpoint: handle.urls[endpoint.value] for endpoint in chosen},
        timeouts={endpoint: endpoint.default_timeout_seconds for endpoint in Endpoint},
        credentials=Credentials(auth_style="bearer", token=handle.config.token),
        tax_failure_policy="estimate",
        stale_max_age_seconds=3600,
        notify_sender=None,
        notify_receivers=(),
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
    state: AppState, mock_erp: MockErpHandle
) -> None:
    recorder: ListRecorder = state.services[EVENT_RECORDER]
    buyer_company = account()

    report = await run_admin_test(state, live(mock_erp), buyer_company)

    assert report.failures == []
    assert report.summary.startswith("All rules passed")
    # Raw formats are check-erp's job: the gateway hands back validated models only.
    assert report.find("format.money") == []
    assert recorder.calls, "no event recorded"
    assert {call.actor.source for call in recorder.calls} == {"admin test"}
    assert {call.actor.customer_code for call in recorder.calls} == {CUSTOMER}
    assert {call.actor.customer_account_id for call in recorder.calls} == {buyer_company.id}
    assert {call.event_type for call in recorder.calls} == {"integration.test"}
    event_traces = {call.trace_id for call in recorder.calls}
    shape = only(report, "shape.orders", "orders")
    assert shape.trace_id in event_traces
    # The no-credentials probe bypasses the gateway: no event, but its request is in the report.
    auth = only(report, "auth.required", "orders")
    assert auth.trace_id not in event_traces
    assert [request.status for request in auth.requests] == [401]


async def test_a_failing_endpoint_names_the_rule_and_the_event(
    state: AppState, mock_erp: MockErpHandle
) -> None:
    recorder: ListRecorder = state.services[EVENT_RECORDER]
    mock_erp.set_fault("invoices", "status", status=500)

    report = await run_admin_test(state, live(mock_erp), account())

    assert failed(report) == {("shape.invoices", "invoices")}
    shape = only(report, "shape.invoices", "invoices")
    assert shape.message == "ERP answered 500 Internal Server Error"
    assert not shape.passed
    event = next(call for call in recorder.calls if call.trace_id == shape.trace_id)
    assert (event.outcome, event.error) == ("error", "ERP answered 500 Internal Server Error")


async def test_only_configured_endpoints_are_tested(
    state: AppState, mock_erp: MockErpHandle
) -> None:
    report = await run_admin_test(
        state, live(mock_erp, [Endpoint.BALANCE, Endpoint.TAXES]), account()
    )

    assert {result.endpoint for result in report.results} == {"balance", "taxes"}
    assert report.passed
