"""The mistakes a first-time ERP developer makes, one at a time in the mock ERP: each fails
exactly its rule, quoting the offending value and naming the fix, with the ERP's answer."""

from __future__ import annotations

import pytest

from erpgate.conformance.results import ConformanceReport
from erpgate.mock_erp.server import MockErpHandle
from tests.conformance.helpers import OTHER_CUSTOMER, check, failed, only


async def check_with_another_customer(mock_erp: MockErpHandle) -> ConformanceReport:
    return await check(mock_erp, other_customer_code=OTHER_CUSTOMER)


async def test_a_list_that_ignores_search_fails_filters_search(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("orders", "ignore_search")

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("filters.search", "orders")}
    search = only(report, "filters.search", "orders")
    # The value searched for comes from page 2: the ERP's page 1 cannot pass by chance.
    assert search.message == (
        "search='SO-100110' left out SO-100110 and returned 10 row(s) whose number or PO number "
        "does not contain it: SO-100100, SO-100101, SO-100102 (and 7 more); return only the rows "
        "whose number or PO number contains the search text (case-insensitively)"
    )
    assert search.answer is not None
    assert search.answer.status == 200
    assert search.answer.body.startswith('{"data":[{"order_id":"SO-100100",')


async def test_an_exclusive_date_to_fails_filters_dates(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("invoices", "date_to_exclusive")

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("filters.dates", "invoices")}
    assert only(report, "filters.dates", "invoices").message == (
        "date_to=2026-10-02 left out INV-55010, dated 2026-10-02; return only rows dated from "
        "date_from to date_to, both days included (compare dates, not date-times: a row at "
        "23:30 on 2026-10-02 belongs to date_to=2026-10-02)"
    )


@pytest.mark.parametrize(
    ("paging_style", "said", "fix"),
    [
        (
            "total",
            "total 10",
            "total counts every matching row on all pages, not the rows of one page",
        ),
        ("has_more", "has_more false", "has_more is true while a next page has rows"),
    ],
)
async def test_a_full_page_claiming_to_be_the_only_one_fails_paging_consistent(
    mock_erp: MockErpHandle, paging_style: str, said: str, fix: str
) -> None:
    mock_erp.set_paging_style(paging_style)
    mock_erp.set_fault("orders", "total_on_page")

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("paging.consistent", "orders")}
    # Page 2 was asked although page 1 said there is none: the rule no longer skips.
    assert only(report, "paging.distinct", "orders").status == "pass"
    assert only(report, "paging.consistent", "orders").message.startswith(
        f"page 1 is full and says {said}, yet page 2 has 10 more rows: buyers never see them; {fix}"
    )


async def test_a_list_ignoring_customer_code_fails_filters_customer_and_by_id_points_at_it(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("orders", "ignore_customer")  # every customer's rows, no customer_code

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("filters.customer", "orders")}
    leak = only(report, "filters.customer", "orders")
    assert leak.message == (
        "10 order(s) of customer C010268 appear in C0004935's orders list: SO-100260, "
        "SO-100325, SO-100300 (and 7 more); filter the list by customer_code (a buyer would "
        "see another company's orders)"
    )
    assert leak.answer is not None and '"order_id":"SO-100260"' in leak.answer.body
    # The by-id rules would only ask for an id this list cannot vouch for: they point at it.
    assert only(report, "by_id.found", "order").message == (
        "No order id to ask for: the orders list failed filters.customer; fix it first"
    )
    assert only(report, "by_id.other_customer", "order").message == (
        "The orders list shows other customers' rows: see filters.customer"
    )


async def test_the_other_customers_given_id_alone_finds_the_leak(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("invoices", "ignore_customer")
    theirs = mock_erp.state.data.invoices[OTHER_CUSTOMER][5].row["invoice_id"]

    report = await check(mock_erp, other_invoice_id=theirs)

    assert failed(report) == {("filters.customer", "invoices")}
    assert only(report, "filters.customer", "invoices").message == (
        f"1 invoice(s) of another customer appear in C0004935's invoices list: {theirs}; filter "
        "the list by customer_code (a buyer would see another company's invoices)"
    )
    # A given id is the user's: its by-id rule still runs, and the ERP answers it correctly.
    assert only(report, "by_id.other_customer", "invoice").status == "pass"


async def test_a_list_ignoring_status_fails_filters_status(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("orders", "ignore_status")

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("filters.status", "orders")}
    assert only(report, "filters.status", "orders").message == (
        "status='cancelled' returned 10 row(s) of another status: SO-100100 ('Processing'), "
        "SO-100101 ('Partially Shipped'), SO-100102 ('Shipped') (and 7 more); return only rows "
        "of the status asked for"
    )


async def test_an_unstable_sort_fails_paging_stable(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("orders", "unstable_sort")  # ties on a date ordered anyhow per page

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("paging.stable", "orders")}
    stable = only(report, "paging.stable", "orders")
    assert stable.message == (
        "Walking all 16 pages: SO-100130 on pages 3 and 4, SO-100170 on pages 7 and 8, "
        "SO-100239 on pages 14 and 15; 3 row(s) shown twice and as many never shown. Sort by "
        "date and then a unique key (e.g. the id), so that every page cuts the same order"
    )
    assert stable.answer is not None and '"order_id":"SO-100130"' in stable.answer.body


async def test_a_capped_page_size_fails_paging_consistent(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("invoices", "page_size_cap", rows=50)

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("paging.consistent", "invoices")}
    assert only(report, "paging.consistent", "invoices").message == (
        "page_size 100 returned 50 rows of 142, not 100: answer up to 100 rows per page (a "
        "smaller page loses the rows after it)"
    )


async def test_403_for_another_customers_id_says_to_answer_not_found(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("order", "forbid_other_customer")

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("by_id.other_customer", "order")}
    other = only(report, "by_id.other_customer", "order")
    assert other.message == (
        "Answered 403 for another customer's order SO-100260 (the first row of C010268's orders "
        'list); answer 404 or {"data": null} instead: to the storefront a 403 means refused '
        "credentials, an integration error"
    )
    assert other.answer is not None
    assert (other.answer.status, other.answer.body) == (
        403,
        '{"error":"forbidden","message":"order SO-100260 belongs to another customer"}',
    )


async def test_not_found_answered_200_with_an_error_says_so(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("invoice", "not_found_as_200")

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("by_id.unknown", "invoice"), ("by_id.other_customer", "invoice")}
    assert only(report, "by_id.unknown", "invoice").message == (
        'Answered status 200 with an error object for an unknown invoice id; answer 404 or {"data"'
        ": null} instead (an error needs a 4xx or 5xx status)"
    )


async def test_a_wrong_path_gets_a_hint_about_the_url_layout(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("shipping", "status", status=404)

    report = await check(mock_erp)

    assert failed(report) == {("shape.shipping", "shipping")}
    assert only(report, "shape.shipping", "shipping").message == (
        "ERP answered 404 Not Found: a wrong URL is the usual cause; --base-url assumes the mock "
        "ERP's layout (<base>/erp/checkout/shipping); give --shipping-url when your ERP uses "
        "another path"
    )
    report = await check(mock_erp, shipping_url=mock_erp.urls["shipping"])
    assert only(report, "shape.shipping", "shipping").message == (
        "ERP answered 404 Not Found: a wrong URL is the usual cause; check --shipping-url"
    )


async def test_taxes_refused_to_an_unknown_customer_fail_checkout_unknown_customer(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("taxes", "refuse_unknown_customer")

    report = await check_with_another_customer(mock_erp)

    assert failed(report) == {("checkout.unknown_customer", "taxes")}
    assert only(report, "checkout.unknown_customer", "taxes").message == (
        "Customer code 'ERPGATE-CONFORMANCE-NEW-CUSTOMER', unknown to the ERP, got: ERP answered "
        "404 Not Found; answer any customer with your default rules (a new account's checkout "
        "would fall back)"
    )
    assert only(report, "checkout.unknown_customer", "shipping").status == "pass"


async def test_an_erp_ignoring_the_idempotency_key_fails_submit_order_idempotent(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("submit_order", "ignore_idempotency_key")  # every call a new order

    report = await check(mock_erp)

    assert failed(report) == {("submit_order.idempotent", "submit_order")}
    key = mock_erp.submissions()[0]["key"]
    assert mock_erp.submissions()[0]["order_ids"] == ["SO-100375", "SO-100376"]
    idempotent = only(report, "submit_order.idempotent", "submit_order")
    assert idempotent.message == (
        f"Sent Idempotency-Key {key} again and got order SO-100376, where the first call created "
        "SO-100375: a key seen before must answer the order created then, never create a second "
        "one (erpgate sends an order again whenever an answer is lost)"
    )
    assert idempotent.answer is not None
    assert (idempotent.answer.status, idempotent.answer.body) == (
        201,
        '{"data":{"order_id":"SO-100376","order_number":"SO-100376","status":"Open"}}',
    )


async def test_a_422_without_the_errors_list_fails_and_quotes_the_body(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("submit_order", "status", status=422)

    report = await check(mock_erp)

    assert failed(report) == {
        ("shape.submit_order", "submit_order"),
        ("submit_order.rejection", "submit_order"),
    }
    quoted = (
        'Answered 422 with {"error":"injected","message":"Injected status 422"}; a 422 must carry '
        '{"errors": [{"message": "…"}]} (each reason with a message; field and buyer_message '
        "optional)"
    )
    assert only(report, "shape.submit_order", "submit_order").message == quoted
    assert only(report, "submit_order.rejection", "submit_order").message == quoted
    assert only(report, "submit_order.idempotent", "submit_order").message == (
        "No accepted test order: see shape.submit_order"
    )
    assert mock_erp.submissions() == []


async def test_a_rejected_test_order_fails_its_shape_rule_with_the_reasons(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("submit_order", "reject_many")

    report = await check(mock_erp)

    assert failed(report) == {("shape.submit_order", "submit_order")}
    message = only(report, "shape.submit_order", "submit_order").message
    assert message.endswith(
        "(1 × PIPE-12, a line of order SO-100100) was rejected: lines[0].sku: Item REJ-01 is not "
        "stocked at warehouse 1; lines[1].sku: Item REJ-02 is not stocked at warehouse 1; "
        "lines[2].sku: Item REJ-03 is not stocked at warehouse 1 (and 47 more); the rules need "
        "an order your ERP accepts: give a SKU it sells to C0004935 (--submit-sku)"
    )
    assert only(report, "submit_order.rejection", "submit_order").status == "pass"


async def test_a_refusal_that_is_not_a_422_fails_submit_order_rejection(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("submit_order", "status", status=500)

    report = await check(mock_erp, submit_sku="TST03")

    assert only(report, "submit_order.rejection", "submit_order").message == (
        "An order for customer code 'ERPGATE-CONFORMANCE-NEW-CUSTOMER', unknown to the ERP, got: "
        'ERP answered 500 Internal Server Error; refuse an order for good with a 422 and {"errors": '
        '[{"message": "…"}]} (each reason with a message; field and buyer_message optional): any '
        "other answer is sent again, for up to a day"
    )
