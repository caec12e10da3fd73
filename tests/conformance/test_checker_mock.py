"""The checker against the reference mock ERP: all green, and each fault caught by its rule."""

from __future__ import annotations

import re

from erpgate.conformance.payloads import NEW_CUSTOMER
from erpgate.erp.endpoints import Endpoint
from erpgate.mock_erp.server import MockErpHandle
from tests.conformance.helpers import CUSTOMER, OTHER_CUSTOMER, check, failed, only
from tests.plugins.mock_erp import MockErpFactory

LIST_DEPENDENTS = (
    "paging.distinct",
    "paging.consistent",
    "paging.stable",
    "filters.status",
    "filters.search",
    "filters.dates",
    "filters.customer",
)


async def test_a_conforming_erp_passes_every_rule(mock_erp: MockErpHandle) -> None:
    report = await check(mock_erp, other_customer_code=OTHER_CUSTOMER)

    assert report.failures == []
    assert report.passed
    assert [r for r in report.results if r.status == "skip"] == []
    for endpoint in Endpoint:
        assert only(report, "auth.required", endpoint.value).status == "pass"
        assert only(report, f"shape.{endpoint.value}", endpoint.value).status == "pass"
        assert only(report, "latency.budget", endpoint.value).status == "pass"
        assert only(report, "format.money", endpoint.value).status == "pass"
        assert only(report, "format.dates", endpoint.value).status == "pass"
    for endpoint in ("orders", "invoices"):
        for rule in LIST_DEPENDENTS:
            assert only(report, rule, endpoint).status == "pass"
    assert only(report, "by_id.found", "order").status == "pass"
    assert only(report, "by_id.unknown", "invoice").message == (
        "Answered not found (404) for an unknown invoice id"
    )
    assert only(report, "taxes.amount", "taxes").status == "pass"
    assert only(report, "shipping.methods", "shipping").status == "pass"
    assert (
        only(report, "paging.stable", "orders").message
        == "Walked all 16 pages: 160 rows, each once"
    )
    assert only(report, "filters.search", "orders").message == (
        "search='SO-100110' returned SO-100110 and only matching rows (1)"
    )
    assert only(report, "by_id.other_customer", "order").message == (
        "Answered not found (404) for another customer's order SO-100260 "
        "(the first row of C010268's orders list)"
    )


async def test_the_submit_order_rules_place_one_test_order_and_send_it_twice(
    mock_erp: MockErpHandle,
) -> None:
    report = await check(mock_erp)

    test_order, unknown = mock_erp.submissions()
    key = test_order["key"]
    assert re.fullmatch(r"CHECK-[0-9a-f]{12}", key)
    # One ERP order for the key, although it came twice; the unknown customer's was refused.
    assert test_order == {
        "key": key,
        "customer_code": CUSTOMER,
        "status": 201,
        "order_ids": ["SO-100375"],
        "seen": 2,
    }
    assert (unknown["customer_code"], unknown["status"], unknown["order_ids"]) == (
        NEW_CUSTOMER,
        422,
        [],
    )
    assert only(report, "shape.submit_order", "submit_order").message == (
        f"Test order {key} (1 × PIPE-12, a line of order SO-100100) accepted as SO-100375"
    )
    assert only(report, "submit_order.idempotent", "submit_order").message == (
        f"Sent Idempotency-Key {key} again: answered the same order SO-100375"
    )
    assert only(report, "submit_order.rejection", "submit_order").message == (
        "An order for customer code 'ERPGATE-CONFORMANCE-NEW-CUSTOMER', unknown to the ERP, was "
        "rejected (422): customer_code: Unknown customer ERPGATE-CONFORMANCE-NEW-CUSTOMER"
    )
    # The reference is the key, the SKU and its price come from the order by id.
    sent = [c for c in mock_erp.recent_requests() if c["endpoint"] == "submit_order"]
    first = sent[1]  # after the probe without credentials
    assert first["headers"]["Idempotency-Key"] == first["body"]["order_reference"] == key
    assert first["body"]["lines"][0] == {
        "line_number": 1,
        "sku": "PIPE-12",
        "description": "Copper pipe Ø 12 mm, 3 m",
        "uom": "EA",
        "quantity": "1",
        "unit_price": "41.20",
        "line_total": "41.20",
        "price_source": "catalog",
    }


async def test_a_given_sku_is_ordered_and_without_any_the_order_rules_skip(
    mock_erp: MockErpHandle,
) -> None:
    given = await check(mock_erp, submit_sku="TST03")
    without = await check(mock_erp, base_url=None, submit_order_url=mock_erp.urls["submit_order"])

    assert only(given, "shape.submit_order", "submit_order").message.startswith("Test order CHECK-")
    assert "(1 × TST03, given) accepted as SO-100375" in (
        only(given, "shape.submit_order", "submit_order").message
    )
    reason = (
        "No SKU for the test order: give --submit-sku, or let the order by id rules read a known "
        "order with lines (--order-id)"
    )
    assert [(r.rule, r.status, r.message) for r in without.results if r.status != "pass"] == [
        ("shape.submit_order", "skip", reason),
        ("submit_order.idempotent", "skip", reason),
        ("format.money", "skip", "No answer to read"),
        ("format.dates", "skip", "No answer to read"),
    ]
    # The refusal rule needs no SKU of the ERP's: any order of an unknown customer is refused.
    assert only(without, "submit_order.rejection", "submit_order").status == "pass"


async def test_without_another_customer_only_its_rules_skip_and_say_what_to_give(
    mock_erp: MockErpHandle,
) -> None:
    report = await check(mock_erp)

    assert report.passed
    skipped = {(r.rule, r.endpoint): r.message for r in report.results if r.status == "skip"}
    assert skipped == {
        ("filters.customer", "orders"): (
            "No other customer to compare with: give --other-customer-code (or --other-order-id)"
        ),
        ("filters.customer", "invoices"): (
            "No other customer to compare with: give --other-customer-code (or --other-invoice-id)"
        ),
        ("by_id.other_customer", "order"): (
            "No other customer's order id: give --other-customer-code or --other-order-id"
        ),
        ("by_id.other_customer", "invoice"): (
            "No other customer's invoice id: give --other-customer-code or --other-invoice-id"
        ),
    }


async def test_results_link_the_requests_behind_them(mock_erp: MockErpHandle) -> None:
    report = await check(mock_erp)

    shape = only(report, "shape.orders", "orders")
    assert len(shape.requests) == 1
    request = shape.requests[0]
    assert request.request_id.startswith("req_")
    assert request.status == 200
    assert request.url == mock_erp.urls["orders"]
    assert shape.trace_ids == [request.trace_id]
    auth = only(report, "auth.required", "balance")
    assert [r.status for r in auth.requests] == [401]


async def test_known_and_other_customer_ids_are_used(mock_erp: MockErpHandle) -> None:
    order_id = mock_erp.state.data.orders[CUSTOMER][3].row["order_id"]
    other_order = mock_erp.state.data.orders[OTHER_CUSTOMER][0].row["order_id"]
    other_invoice = mock_erp.state.data.invoices[OTHER_CUSTOMER][0].row["invoice_id"]

    report = await check(
        mock_erp, order_id=order_id, other_order_id=other_order, other_invoice_id=other_invoice
    )

    assert report.failures == []
    assert only(report, "by_id.found", "order").message == f"Asked for {order_id}, got it"
    assert only(report, "by_id.other_customer", "order").message == (
        f"Answered not found (404) for another customer's order {other_order}"
    )
    assert only(report, "by_id.other_customer", "invoice").status == "pass"


async def test_an_unknown_known_id_fails_by_id_found(mock_erp: MockErpHandle) -> None:
    report = await check(mock_erp, invoice_id="INV-DOES-NOT-EXIST")

    assert failed(report) == {("by_id.found", "invoice")}
    found = only(report, "by_id.found", "invoice")
    assert found.message == (
        "Known invoice INV-DOES-NOT-EXIST was answered as not found (404); if every id is "
        "answered 404, a wrong URL is the usual cause; --base-url assumes the mock ERP's layout "
        "(<base>/erp/invoices/get); give --invoice-url when your ERP uses another path"
    )
    assert found.answer is not None
    assert (found.answer.status, found.answer.body) == (
        404,
        '{"error":"not_found","message":"No invoice INV-DOES-NOT-EXIST for this customer"}',
    )


async def test_status_500_fails_the_shape_and_skips_what_depends_on_it(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("orders", "status", status=500)

    report = await check(mock_erp, order_id="SO-100100")

    assert failed(report) == {("shape.orders", "orders")}
    assert (
        only(report, "shape.orders", "orders").message == "ERP answered 500 Internal Server Error"
    )
    for rule in LIST_DEPENDENTS:
        assert only(report, rule, "orders").status == "skip"
    assert only(report, "auth.required", "orders").status == "pass"


async def test_an_html_error_page_fails_the_shape(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("balance", "html_error", status=502)

    report = await check(mock_erp)

    assert failed(report) == {("shape.balance", "balance")}
    assert only(report, "shape.balance", "balance").message == "ERP answered 502 Bad Gateway"


async def test_malformed_json_fails_the_shape(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("shipping", "malformed_json")

    report = await check(mock_erp)

    assert failed(report) == {("shape.shipping", "shipping")}
    assert only(report, "shape.shipping", "shipping").message == "Answer was not JSON"
    assert only(report, "shipping.methods", "shipping").status == "skip"


async def test_a_contract_break_names_the_field(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("orders", "contract_break")

    report = await check(mock_erp, order_id="SO-100100")

    assert failed(report) == {("shape.orders", "orders"), ("format.money", "orders")}
    assert only(report, "shape.orders", "orders").message == (
        'Answer broke the contract: data[0].total is not a number: "abc"'
    )
    assert only(report, "format.money", "orders").message == 'data[0].total is "abc"'


async def test_a_thousands_separator_fails_taxes_shape_amount_and_money_format(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("taxes", "contract_break")

    report = await check(mock_erp)

    assert failed(report) == {
        ("shape.taxes", "taxes"),
        ("taxes.amount", "taxes"),
        ("format.money", "taxes"),
    }
    expected = 'Answer broke the contract: data.salestax_amount is not a number: "1,234.50"'
    assert only(report, "shape.taxes", "taxes").message == expected
    assert only(report, "format.money", "taxes").message == 'data.salestax_amount is "1,234.50"'


async def test_a_bad_date_fails_the_invoice_shape_and_date_format(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("invoice", "contract_break")

    report = await check(mock_erp)

    assert ("shape.invoice", "invoice") in failed(report)
    assert only(report, "shape.invoice", "invoice").message == (
        'Answer broke the contract: data.date is not a date: "32/13/2026"'
    )
    assert only(report, "format.dates", "invoice").message.startswith(
        'data.date "32/13/2026" is not an ISO 8601 date'
    )
    # The same broken body comes back for an unknown id, so that rule fails too, saying why.
    assert only(report, "by_id.unknown", "invoice").message == (
        "Expected not found for an unknown invoice id, got: "
        'Answer broke the contract: data.date is not a date: "32/13/2026"'
    )


async def test_an_oversized_answer_fails_the_shape(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("balance", "oversized")

    report = await check(mock_erp)

    assert failed(report) == {("shape.balance", "balance")}
    assert only(report, "shape.balance", "balance").message == "Answer was larger than 5 MB"
    # Nothing readable came back, so there is no body to judge formats on.
    assert only(report, "format.money", "balance").status == "skip"


async def test_a_redirect_fails_the_shape(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("taxes", "redirect")

    report = await check(mock_erp)

    assert ("shape.taxes", "taxes") in failed(report)
    assert only(report, "shape.taxes", "taxes").message == (
        "ERP redirected to another address; redirects are not followed"
    )


async def test_an_answer_over_budget_fails_latency_only(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("balance", "latency", seconds=0.5)

    report = await check(mock_erp, budgets_ms={"balance": 100})

    assert failed(report) == {("latency.budget", "balance")}
    message = only(report, "latency.budget", "balance").message
    assert message.startswith("Slowest answer took ")
    assert message.endswith(" ms; budget 100 ms")


async def test_an_answer_past_the_timeout_fails_latency_and_shape(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("shipping", "latency", seconds=2)

    report = await check(mock_erp, timeouts={"shipping": 0.3})

    assert failed(report) == {("latency.budget", "shipping"), ("shape.shipping", "shipping")}
    assert only(report, "shape.shipping", "shipping").message == "ERP did not answer within 0.3 s"
    assert only(report, "latency.budget", "shipping").message == (
        "ERP did not answer within 0.3 s (1 of 1 calls; budget 300 ms)"
    )


async def test_another_customers_answer_fails_the_shape(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("balance", "cross_customer")

    report = await check(mock_erp)

    assert failed(report) == {("shape.balance", "balance")}
    assert only(report, "shape.balance", "balance").message.startswith(
        "Answer belongs to another customer (customer_code "
    )


async def test_has_more_and_meta_less_paging_pass(mock_erp_factory: MockErpFactory) -> None:
    for style in ("has_more", "none"):
        handle = await mock_erp_factory(paging_style=style)

        report = await check(handle)

        assert report.failures == [], style
        assert only(report, "paging.distinct", "orders").status == "pass"
        assert only(report, "paging.consistent", "invoices").status == "pass"
    has_more = await mock_erp_factory(paging_style="has_more")
    report = await check(has_more)
    assert only(report, "paging.consistent", "orders").message == (
        "Pages agree with their has_more and page_size 10"
    )


async def test_a_wrong_token_fails_every_shape_with_the_credentials_sentence(
    mock_erp_factory: MockErpFactory,
) -> None:
    handle = await mock_erp_factory(token="the-erps-real-token")

    report = await check(
        handle, token="an-old-token", order_id="SO-1", invoice_id="INV-1", submit_sku="5620"
    )

    for endpoint in Endpoint:
        assert only(report, "auth.required", endpoint.value).status == "pass"
        shape = only(report, f"shape.{endpoint.value}", endpoint.value)
        assert (shape.status, shape.message) == (
            "fail",
            "ERP refused the credentials (401 Unauthorized): check --token (or "
            "ERPGATE_CHECK_TOKEN), --key and --auth-style",
        )


async def test_an_endpoint_open_without_credentials_fails_auth_required(
    mock_erp_factory: MockErpFactory,
) -> None:
    # A mock whose "credentials" are exactly what the checker's no-credentials probe sends: the
    # probe is answered 200, as an ERP without any auth would answer it.
    handle = await mock_erp_factory(
        auth_style="header", key="X-Erpgate-Conformance", token="no-credentials"
    )

    report = await check(
        handle, auth_style="header", key="X-Erpgate-Conformance", token="no-credentials"
    )

    assert {rule for rule, _ in failed(report)} == {"auth.required"}
    assert only(report, "auth.required", "orders").message == (
        "Answered 200 without credentials: anyone can read this endpoint; answer 401 when the "
        "credentials are missing or wrong"
    )


async def test_only_the_configured_endpoints_are_checked(mock_erp: MockErpHandle) -> None:
    report = await check(mock_erp, base_url=None, balance_url=mock_erp.urls["balance"])

    assert {result.endpoint for result in report.results} == {"balance"}
    assert report.passed
