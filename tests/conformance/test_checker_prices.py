"""The prices and inventory rules against the mock ERP: all green as it is, and each of its
mistakes caught by the rule made for it, quoting the value and showing the answer."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from erpgate.conformance.prices import UNKNOWN_SKU, price_findings, unasked_and_twice
from erpgate.erp.contract import PriceBreak, PriceRow
from erpgate.mock_erp.server import MockErpHandle
from tests.conformance.helpers import CUSTOMER, check, failed, only
from tests.conformance.test_cli import base_args, invoke

PRICE_RULES = ("prices.unknown_sku", "prices.only_asked", "prices.currency", "prices.positive")
STOCK_RULES = ("inventory.unknown_sku", "inventory.only_asked")
# What the rules ask about without SKUs given: the lines of the first order of CUSTOMER's list.
ORDER_SKUS = "PIPE-12, LUB-5L from the lines of order SO-100100"


async def test_the_mock_passes_every_price_and_stock_rule(mock_erp: MockErpHandle) -> None:
    report = await check(mock_erp)

    results = {
        (r.rule, r.endpoint): (r.status, r.message)
        for r in report.results
        if r.endpoint in ("prices", "inventory")
        and r.rule.split(".")[0] != "format"
        and r.rule not in ("auth.required", "latency.budget")
    }
    assert results == {
        ("shape.prices", "prices"): (
            "pass",
            f"Asked 2 SKU(s) ({ORDER_SKUS}): 2 row(s) match the contract, PIPE-12 36.26 USD, "
            "LUB-5L 33.09 USD",
        ),
        ("prices.unknown_sku", "prices"): (
            "pass",
            f"{UNKNOWN_SKU}, a SKU no ERP sells, asked with 2 known SKU(s), was left out of the "
            "answer",
        ),
        ("prices.only_asked", "prices"): (
            "pass",
            "Only SKUs asked, each once (4 row(s) in 2 answer(s))",
        ),
        ("prices.currency", "prices"): (
            "pass",
            "Every price in USD, the currency asked (2 row(s))",
        ),
        ("prices.positive", "prices"): (
            "pass",
            "2 price(s) above zero, their breaks ascending from above 1",
        ),
        ("shape.inventory", "inventory"): (
            "pass",
            f"Asked 2 SKU(s) ({ORDER_SKUS}): 2 row(s) match the contract, PIPE-12 131 available, "
            "LUB-5L 87 available",
        ),
        ("inventory.unknown_sku", "inventory"): (
            "pass",
            f"{UNKNOWN_SKU}, a SKU no ERP sells, asked with 2 known SKU(s), was left out of the "
            "answer",
        ),
        ("inventory.only_asked", "inventory"): (
            "pass",
            "Only SKUs asked, each once (4 row(s) in 2 answer(s))",
        ),
    }
    # The SKU no ERP sells goes with the known ones, as a catalog page asks.
    asked = [c["body"] for c in mock_erp.recent_requests() if c["endpoint"] == "prices"]
    assert [[line["sku"] for line in body["lines"]] for body in asked] == [
        ["5620"],  # the probe without credentials
        ["PIPE-12", "LUB-5L"],
        ["PIPE-12", "LUB-5L", UNKNOWN_SKU],
    ]
    assert {body["currency"] for body in asked} == {"USD"}


@pytest.mark.parametrize(
    ("endpoint", "fault", "rule", "message", "shown"),
    [
        (
            "prices",
            "refuse_unknown_sku",
            "prices.unknown_sku",
            f"{UNKNOWN_SKU}, a SKU no ERP sells, asked with 2 known SKU(s), got: ERP answered 404 "
            "Not Found; leave a SKU you do not price out of data and answer the others (an error "
            "for one SKU costs every SKU on the page its live price)",
            (404, f'"message":"No item {UNKNOWN_SKU} for this customer"'),
        ),
        (
            "prices",
            "zero_for_unknown_sku",
            "prices.unknown_sku",
            f"Answered a row for {UNKNOWN_SKU}, a SKU no ERP sells (unit_price 0.00): leave a SKU "
            "you do not price out of data (erpgate would show that price for it)",
            (200, f'{{"sku":"{UNKNOWN_SKU}","unit_price":"0.00"'),
        ),
        (
            "prices",
            "unasked_rows",
            "prices.only_asked",
            "2 row(s) for SKUs not asked: 5620, WR-13; answer only the SKUs asked (erpgate "
            "ignores the others)",
            (200, '{"sku":"5620","unit_price":"14.78"'),
        ),
        (
            "prices",
            "duplicate_rows",
            "prices.only_asked",
            "SKUs answered more than once: PIPE-12 (2 rows), LUB-5L (2 rows); answer one row per "
            "SKU (erpgate refuses a SKU answered twice with different prices and shows its "
            "catalog price)",
            (200, '{"sku":"PIPE-12","unit_price":"37.26"'),
        ),
        (
            "prices",
            "other_currency",
            "prices.currency",
            'Asked for prices in USD, got PIPE-12 in "EUR", LUB-5L in "EUR": answer in the '
            "currency asked (erpgate refuses a price in another currency: its catalog price "
            "shows)",
            (200, '"currency":"EUR"'),
        ),
        (
            "prices",
            "nonpositive_price",
            "prices.positive",
            "PIPE-12 unit_price 0.00; LUB-5L unit_price -33.09: a price is above zero, and price "
            "breaks start above a quantity of 1 and ascend (erpgate refuses a row priced at zero "
            "or less: its catalog price shows)",
            (200, '"unit_price":"-33.09"'),
        ),
        (
            "inventory",
            "refuse_unknown_sku",
            "inventory.unknown_sku",
            f"{UNKNOWN_SKU}, a SKU no ERP sells, asked with 2 known SKU(s), got: ERP answered 404 "
            "Not Found; leave a SKU you do not stock out of data and answer the others (an error "
            "for one SKU costs every SKU on the page its stock)",
            (404, f"No item {UNKNOWN_SKU}"),
        ),
        (
            "inventory",
            "zero_for_unknown_sku",
            "inventory.unknown_sku",
            f"Answered a row for {UNKNOWN_SKU}, a SKU no ERP sells (available 0): leave a SKU you "
            "do not stock out of data (erpgate would show that stock for it)",
            (200, f'{{"sku":"{UNKNOWN_SKU}","available":0'),
        ),
        (
            "inventory",
            "unasked_rows",
            "inventory.only_asked",
            "2 row(s) for SKUs not asked: 5620, TST03; answer only the SKUs asked (erpgate "
            "ignores the others)",
            (200, '{"sku":"5620","available":95'),
        ),
        (
            "inventory",
            "duplicate_rows",
            "inventory.only_asked",
            "SKUs answered more than once: PIPE-12 (2 rows), LUB-5L (2 rows); answer one row per "
            "SKU (erpgate refuses a SKU answered twice with different stock and shows none for "
            "it)",
            (200, '{"sku":"PIPE-12","available":132'),
        ),
    ],
)
async def test_each_mistake_fails_its_rule_quoting_the_value_and_the_answer(
    mock_erp: MockErpHandle,
    endpoint: str,
    fault: str,
    rule: str,
    message: str,
    shown: tuple[int, str],
) -> None:
    mock_erp.set_fault(endpoint, fault)

    report = await check(mock_erp)

    assert failed(report) == {(rule, endpoint)}
    result = only(report, rule, endpoint)
    assert result.message == message
    assert result.answer is not None
    assert result.answer.status == shown[0]
    assert shown[1] in result.answer.body
    assert result.requests and result.trace_ids


async def test_quantities_as_text_and_floats_pass_every_rule(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("inventory", "stock_as_text")

    report = await check(mock_erp)

    assert report.failures == []
    assert only(report, "format.money", "inventory").status == "pass"


@pytest.mark.parametrize(
    ("endpoint", "rules"), [("prices", PRICE_RULES), ("inventory", STOCK_RULES)]
)
async def test_another_customers_rows_fail_the_shape_and_the_rest_wait_for_it(
    mock_erp: MockErpHandle, endpoint: str, rules: tuple[str, ...]
) -> None:
    mock_erp.set_fault(endpoint, "cross_customer")

    report = await check(mock_erp)

    assert failed(report) == {(f"shape.{endpoint}", endpoint)}
    shape = only(report, f"shape.{endpoint}", endpoint)
    assert shape.message == "Answer belongs to another customer (customer_code C010268)"
    assert shape.answer is not None and '"customer_code":"C010268"' in shape.answer.body
    for rule in rules:
        assert (only(report, rule, endpoint).status, only(report, rule, endpoint).message) == (
            "skip",
            f"No usable answer: see shape.{endpoint}",
        )


async def test_generic_faults_fail_the_shape_of_prices_and_inventory(
    mock_erp: MockErpHandle,
) -> None:
    mock_erp.set_fault("prices", "contract_break")
    mock_erp.set_fault("inventory", "status", status=502)

    report = await check(mock_erp)

    assert failed(report) == {
        ("shape.prices", "prices"),
        ("format.money", "prices"),
        ("shape.inventory", "inventory"),
    }
    assert only(report, "shape.prices", "prices").message == (
        'Answer broke the contract: data[0].unit_price is not a number: "1,234.50"'
    )
    assert only(report, "shape.inventory", "inventory").message == "ERP answered 502 Bad Gateway"


async def test_given_skus_and_currency_are_asked(mock_erp: MockErpHandle) -> None:
    report = await check(mock_erp, skus=["5620", "TST03", "WR-13"], currency="sek")

    assert report.failures == []
    assert only(report, "shape.prices", "prices").message == (
        "Asked 3 SKU(s) (5620, TST03, WR-13): 2 row(s) match the contract, 5620 14.78 SEK, "
        "WR-13 21.96 SEK"
    )
    assert only(report, "prices.currency", "prices").message == (
        "Every price in SEK, the currency asked (2 row(s))"
    )
    asked = [c["body"] for c in mock_erp.recent_requests() if c["endpoint"] == "inventory"]
    assert asked[-1]["skus"] == ["5620", "TST03", "WR-13", UNKNOWN_SKU]


async def test_without_skus_the_rules_needing_one_skip_and_say_what_to_give(
    mock_erp: MockErpHandle,
) -> None:
    report = await check(
        mock_erp,
        base_url=None,
        prices_url=mock_erp.urls["prices"],
        inventory_url=mock_erp.urls["inventory"],
    )

    assert report.passed
    reason = (
        "No SKU to {verb}: give --sku, or let the order by id rules read a known order with "
        "lines (--order-id)"
    )
    skipped = {(r.rule, r.endpoint): r.message for r in report.results if r.status == "skip"}
    assert skipped == {
        ("shape.prices", "prices"): reason.format(verb="price"),
        ("prices.currency", "prices"): reason.format(verb="price"),
        ("prices.positive", "prices"): reason.format(verb="price"),
        ("shape.inventory", "inventory"): reason.format(verb="stock"),
    }
    # The SKU no ERP sells needs no known one.
    assert only(report, "prices.unknown_sku", "prices").message == (
        f"{UNKNOWN_SKU}, a SKU no ERP sells, was left out of the answer"
    )
    assert only(report, "inventory.only_asked", "inventory").status == "pass"


async def test_the_test_orders_sku_stands_in_when_no_order_is_read(
    mock_erp: MockErpHandle,
) -> None:
    report = await check(
        mock_erp, base_url=None, prices_url=mock_erp.urls["prices"], submit_sku="HMR-500"
    )

    assert only(report, "shape.prices", "prices").message == (
        "Asked 1 SKU(s) (HMR-500 (the test order's SKU)): 1 row(s) match the contract, "
        "HMR-500 17.51 USD"
    )


def test_price_findings_cover_breaks_that_start_at_1_or_go_down() -> None:
    row = PriceRow(
        sku="5620",
        unit_price=Decimal("14.78"),
        currency="USD",
        list_price=Decimal("0"),
        price_breaks=[
            PriceBreak(min_quantity=Decimal("1"), unit_price=Decimal("14.00")),
            PriceBreak(min_quantity=Decimal("50"), unit_price=Decimal("13.00")),
            PriceBreak(min_quantity=Decimal("10"), unit_price=Decimal("0")),
        ],
    )
    fine = PriceRow(sku="WR-13", unit_price=Decimal("1"), currency="USD")

    assert price_findings([fine, row]) == [
        ("5620", "5620 list_price 0"),
        ("5620", "5620 price_breaks[0].min_quantity 1, not above 1"),
        ("5620", "5620 price_breaks[2].unit_price 0"),
        ("5620", "5620 price_breaks[2].min_quantity 10 after 50"),
    ]


def test_unasked_and_twice_counts_rows_per_sku() -> None:
    rows = [
        PriceRow(sku=sku, unit_price=Decimal("1"), currency="USD")
        for sku in ("A", "X", "A", "B", "A", "Y", "X")
    ]

    assert unasked_and_twice(["A", "B"], rows) == (["X", "Y"], [("A", 3)])


async def test_the_cli_takes_skus_and_currency_and_reports_the_new_rules_in_json(
    mock_erp: MockErpHandle, tmp_path: Path
) -> None:
    mock_erp.set_fault("prices", "nonpositive_price")
    config = tmp_path / "erp.toml"
    config.write_text('skus = ["LVL-60", "BRK-77"]\ncurrency = "usd"\n', encoding="utf-8")

    result = await invoke(
        [
            *base_args(mock_erp),
            "--config",
            str(config),
            "--token",
            "mock-token",
            "--sku",
            "5620",
            "--sku",
            "WR-13",
            "--format",
            "json",
        ]
    )

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    [failure] = [r for r in report["results"] if r["status"] == "fail"]
    assert (failure["rule"], failure["endpoint"]) == ("prices.positive", "prices")
    assert failure["message"].startswith("5620 unit_price 0.00; WR-13 unit_price -21.96: ")
    assert failure["answer"]["status"] == 200
    assert '"unit_price":"-21.96"' in failure["answer"]["body"]
    assert failure["requests"][0]["request_id"].startswith("req_")
    asked = [c["body"] for c in mock_erp.recent_requests() if c["endpoint"] == "prices"]
    assert [line["sku"] for line in asked[1]["lines"]] == ["5620", "WR-13"]  # flags over file
    assert asked[1]["currency"] == "USD"


async def test_bad_skus_and_currency_exit_2() -> None:
    https = ["--base-url", "https://erp.example.com", "--customer-code", CUSTOMER, "--token", "t"]
    too_many = [arg for n in range(100) for arg in ("--sku", f"SKU-{n}")]

    for args, message in [
        ([*https, "--currency", "dollars"], "currency must be a three-letter ISO 4217 code"),
        ([*https, *too_many], "skus: give at most 99 (one request carries them all)"),
    ]:
        result = await invoke(args)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
