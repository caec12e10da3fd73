"""run_admin_test: the same rules through the event gateway, each call an "admin test" event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from erpgate.config import Settings
from erpgate.conformance import run_admin_test
from erpgate.conformance.payloads import NEW_CUSTOMER, CheckPlan
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import ListSink
from erpgate.erp.targets import build_target
from erpgate.integration.service import LiveIntegration
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.customer_account import CustomerAccount
from erpgate.outcomes.rows import event_type, outcome_name
from tests.conformance.helpers import CUSTOMER, OTHER_CUSTOMER, failed, only


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
        order_retry_hours=24,
        price_cache_seconds=300,
        stock_cache_seconds=30,
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
    plan = CheckPlan(customer_code=CUSTOMER, other_customer_code=OTHER_CUSTOMER)

    report = await run_admin_test(gateway, live(gateway, mock_erp), plan, buyer_company)
    calls = outcomes(gateway)

    assert report.failures == []
    # The store's ERP is the merchant's own: Test integration places no test order in it.
    assert [(r.rule, r.endpoint, r.message) for r in report.results if r.status == "skip"] == [
        (
            "shape.submit_order",
            "submit_order",
            "Not checked here: the submit_order rules place a test order, and this ERP is the "
            "store's own; run erpgate check-erp against a test ERP (docs/check-erp.md)",
        )
    ]
    assert mock_erp.calls("submit_order") == 0
    # The same rules as the CLI, the raw-JSON formats included.
    assert only(report, "format.money", "orders").status == "pass"
    assert calls, "no event recorded"
    assert {o.call.actor.source for o in calls} == {"admin test"}
    ours = [o for o in calls if o.call.actor.customer_code == CUSTOMER]
    theirs = [o for o in calls if o.call.actor.customer_code == OTHER_CUSTOMER]
    new = [o for o in calls if o.call.actor.customer_code == NEW_CUSTOMER]
    assert len(ours) + len(theirs) + len(new) == len(calls)
    assert len(theirs) == 2  # their orders and invoices lists
    assert {o.call.endpoint for o in new} == {Endpoint.TAXES, Endpoint.SHIPPING}
    assert {o.call.actor.customer_account_id for o in ours} == {buyer_company.id}
    assert {o.call.actor.customer_account_id for o in theirs} == {None}
    # Each event names the endpoint it hit.
    assert {event_type(o) for o in calls} == {
        f"integration.test.{endpoint.value}"
        for endpoint in Endpoint
        if endpoint is not Endpoint.SUBMIT_ORDER
    }
    assert all(o.call.durable for o in calls)  # stored before the report links them
    event_traces = {o.trace_id for o in calls}
    shape = only(report, "shape.orders", "orders")
    assert shape.trace_id in event_traces
    assert shape.event_trace_id == shape.trace_id
    # The no-credentials probe bypasses the gateway: no event, but its request is in the report.
    auth = only(report, "auth.required", "orders")
    assert auth.trace_id not in event_traces
    assert auth.event_trace_id is None  # nothing for the admin page to link
    assert [request.status for request in auth.requests] == [401]


async def test_a_customer_code_without_an_account_is_tested_as_typed(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    report = await run_admin_test(
        gateway, live(gateway, mock_erp), CheckPlan(customer_code="C010268"), None
    )

    assert report.passed
    assert {o.call.actor.customer_code for o in outcomes(gateway)} == {"C010268", NEW_CUSTOMER}
    assert {o.call.actor.customer_account_id for o in outcomes(gateway)} == {None}
    # Its messages name the admin's fields, never a CLI flag.
    assert only(report, "by_id.other_customer", "order").message == (
        "No other customer's order id: give the \"Another customer's code\" field or the "
        '"Another customer\'s order id" field'
    )
    assert all("--" not in result.message for result in report.results)


async def test_a_failing_endpoint_names_the_rule_the_event_and_the_answer(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    mock_erp.set_fault("invoices", "status", status=500)

    report = await run_admin_test(
        gateway, live(gateway, mock_erp), CheckPlan(customer_code=CUSTOMER), account()
    )

    assert failed(report) == {("shape.invoices", "invoices")}
    shape = only(report, "shape.invoices", "invoices")
    assert shape.message == "ERP answered 500 Internal Server Error"
    assert shape.answer is not None
    assert (shape.answer.status, shape.answer.body) == (
        500,
        '{"error":"injected","message":"Injected status 500"}',
    )
    assert not shape.passed
    event = next(o for o in outcomes(gateway) if o.trace_id == shape.trace_id)
    assert outcome_name(event) == "error"
    assert event_type(event) == "integration.test.invoices"
    assert event.error is not None
    assert event.error.human == "ERP answered 500 Internal Server Error"
    # The by-id rule points at the list it would take its id from, not at a setting.
    assert only(report, "by_id.found", "invoice").message == (
        "No invoice id to ask for: the invoices list failed shape.invoices; fix it first"
    )


async def test_a_404_names_the_setting_to_check(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    mock_erp.set_fault("balance", "status", status=404)

    report = await run_admin_test(
        gateway, live(gateway, mock_erp), CheckPlan(customer_code=CUSTOMER), account()
    )

    assert only(report, "shape.balance", "balance").message == (
        "ERP answered 404 Not Found: a wrong URL is the usual cause; check the Customer A/R "
        "Balance URL in the settings"
    )


async def test_only_configured_endpoints_are_tested(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    report = await run_admin_test(
        gateway,
        live(gateway, mock_erp, [Endpoint.BALANCE, Endpoint.TAXES]),
        CheckPlan(customer_code=CUSTOMER),
        account(),
    )

    assert {result.endpoint for result in report.results} == {"balance", "taxes"}
    assert report.passed


async def test_the_price_and_stock_rules_run_too_and_name_the_skus_field(
    gateway: ErpGateway, mock_erp: MockErpHandle
) -> None:
    mock_erp.set_fault("prices", "other_currency")
    endpoints = [Endpoint.PRICES, Endpoint.INVENTORY]

    without = await run_admin_test(
        gateway, live(gateway, mock_erp, endpoints), CheckPlan(customer_code=CUSTOMER), account()
    )
    given = await run_admin_test(
        gateway,
        live(gateway, mock_erp, endpoints),
        CheckPlan(customer_code=CUSTOMER, skus=["5620"], currency="SEK"),
        account(),
    )

    assert only(without, "shape.prices", "prices").message == (
        'No SKU to price: give the "SKUs" field, or let the order by id rules read a known '
        'order with lines (the "Known order id" field)'
    )
    assert failed(given) == {("prices.currency", "prices")}
    currency = only(given, "prices.currency", "prices")
    assert currency.message.startswith('Asked for prices in SEK, got 5620 in "EUR": ')
    assert currency.event_trace_id is not None
    assert only(given, "inventory.only_asked", "inventory").status == "pass"
    assert {event_type(o) for o in outcomes(gateway)} == {
        "integration.test.prices",
        "integration.test.inventory",
    }
