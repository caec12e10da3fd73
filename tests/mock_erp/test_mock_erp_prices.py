"""The mock ERP's prices and inventory: contract and list prices, breaks, stock per warehouse, the
SKUs it leaves out, and the mistakes it makes on request."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio

from erpgate.erp.contract import MAX_PRICE_LINES, InventoryResponse, PricesResponse
from erpgate.mock_erp.catalog_prices import (
    CONTRACT_PRICE_CUSTOMERS,
    ITEM_MASTER,
    NOT_BACKORDERABLE_SKU,
    OUT_OF_STOCK_SKU,
    UNPRICED_SKU,
    UNSTOCKED_SKU,
    expected_available,
    expected_unit_price,
    warehouse_stock,
)
from erpgate.mock_erp.config import DEFAULT_TODAY, parse_fault_spec
from erpgate.mock_erp.server import MockErpHandle

MAIN = "C0004935"  # contract prices, 12 % off
CONTRACT_8 = "C0003300"  # contract prices, 8 % off
LIST_PRICE = "C010268"  # a known customer without contract prices
NEW_CUSTOMER = "C-NEW-ACCOUNT"
NO_SUCH_SKU = "NO-SUCH-SKU"


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer mock-token"}) as session:
        yield session


def prices_body(customer: str, *lines: tuple[str, Any], currency: str = "USD") -> dict[str, Any]:
    return {
        "customer_code": customer,
        "currency": currency,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


async def post(
    http: aiohttp.ClientSession, erp: MockErpHandle, name: str, body: dict[str, Any]
) -> tuple[int, Any]:
    async with http.post(erp.urls[name], json=body) as response:
        return response.status, orjson.loads(await response.read())


async def prices(
    http: aiohttp.ClientSession, erp: MockErpHandle, customer: str, *lines: tuple[str, Any]
) -> list[dict[str, Any]]:
    status, body = await post(http, erp, "prices", prices_body(customer, *lines))
    assert status == 200, body
    PricesResponse.model_validate(body)
    rows: list[dict[str, Any]] = body["data"]
    return rows


async def stock(
    http: aiohttp.ClientSession, erp: MockErpHandle, *skus: str, customer: str = MAIN
) -> list[dict[str, Any]]:
    status, body = await post(http, erp, "inventory", {"customer_code": customer, "skus": skus})
    assert status == 200, body
    InventoryResponse.model_validate(body)
    rows: list[dict[str, Any]] = body["data"]
    return rows


async def test_contract_customers_get_their_price_with_list_price_and_breaks(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    assert set(CONTRACT_PRICE_CUSTOMERS) == {MAIN, CONTRACT_8}

    main = await prices(http, mock_erp, MAIN, ("5620", "1"))
    other = await prices(http, mock_erp, CONTRACT_8, ("5620", 1))

    assert main == [
        {
            "sku": "5620",
            "unit_price": "14.78",  # 16.80 less 12 %
            "currency": "USD",
            "list_price": "16.80",
            "price_breaks": [
                {"min_quantity": "10", "unit_price": "14.04"},  # a further 5 % off
                {"min_quantity": "50", "unit_price": "13.30"},  # a further 10 % off
            ],
            "customer_code": MAIN,
        }
    ]
    assert (other[0]["unit_price"], other[0]["list_price"]) == ("15.46", "16.80")
    assert [step["unit_price"] for step in other[0]["price_breaks"]] == ["14.69", "13.91"]


async def test_everyone_else_known_or_not_pays_the_list_price_without_breaks(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    for customer in (LIST_PRICE, NEW_CUSTOMER):
        rows = await prices(http, mock_erp, customer, ("5620", "60"), ("DRL-18V", "1"))

        assert rows == [
            {"sku": "5620", "unit_price": "16.80", "currency": "USD", "customer_code": customer},
            {
                "sku": "DRL-18V",
                "unit_price": "189.00",
                "currency": "USD",
                "customer_code": customer,
            },
        ]


async def test_the_unit_price_is_the_break_for_the_quantity_asked(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    quantities = ["1", "9.5", "10", "49", "50", "500"]
    answered = []
    for quantity in quantities:
        rows = await prices(http, mock_erp, MAIN, ("5620", quantity))
        answered.append(rows[0]["unit_price"])

    assert answered == ["14.78", "14.78", "14.04", "14.04", "13.30", "13.30"]
    assert [str(expected_unit_price(MAIN, "5620", Decimal(q))) for q in quantities] == answered


async def test_every_priced_sku_answers_what_expected_unit_price_says(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    for customer in (MAIN, CONTRACT_8, LIST_PRICE, NEW_CUSTOMER):
        for quantity in ("1", "10", "50"):
            lines = [(sku, quantity) for sku in ITEM_MASTER]
            rows = await prices(http, mock_erp, customer, *lines)

            expected = {
                sku: expected_unit_price(customer, sku, Decimal(quantity)) for sku in ITEM_MASTER
            }
            assert {row["sku"]: Decimal(row["unit_price"]) for row in rows} == {
                sku: price for sku, price in expected.items() if price is not None
            }


async def test_unpriced_unstocked_and_unknown_skus_are_left_out(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    priced = await prices(
        http, mock_erp, MAIN, (UNPRICED_SKU, 1), (UNSTOCKED_SKU, 1), (NO_SUCH_SKU, 1)
    )
    stocked = await stock(http, mock_erp, UNPRICED_SKU, UNSTOCKED_SKU, NO_SUCH_SKU)

    assert [row["sku"] for row in priced] == [UNSTOCKED_SKU]
    assert [row["sku"] for row in stocked] == [UNPRICED_SKU]
    assert expected_unit_price(MAIN, UNPRICED_SKU) is None
    assert expected_unit_price(MAIN, NO_SUCH_SKU) is None
    assert warehouse_stock(UNSTOCKED_SKU) is None and warehouse_stock(NO_SUCH_SKU) is None


def warehouses(main: int, east: int) -> list[dict[str, Any]]:
    return [
        {"code": "MAIN", "name": "Main warehouse", "available": main},
        {"code": "EAST", "name": "East depot", "available": east},
    ]


async def test_stock_per_warehouse_sums_to_available_and_is_the_same_on_every_run(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    rows = await stock(http, mock_erp, "5620", NOT_BACKORDERABLE_SKU)

    assert rows == [
        {
            "sku": "5620",
            "available": 95,
            "warehouses": warehouses(35, 60),
            "backorderable": True,
            "customer_code": MAIN,
        },
        {
            "sku": NOT_BACKORDERABLE_SKU,
            "available": 121,
            "warehouses": warehouses(66, 55),
            "backorderable": False,
            "customer_code": MAIN,
        },
    ]
    every = await stock(http, mock_erp, *ITEM_MASTER)
    assert {row["sku"]: row["available"] for row in every} == {
        sku: expected_available(sku) for sku in ITEM_MASTER if sku != UNSTOCKED_SKU
    }
    assert all(row["available"] > 0 for row in every if row["sku"] != OUT_OF_STOCK_SKU)
    assert all(isinstance(row["backorderable"], bool) for row in every)


async def test_the_out_of_stock_sku_says_when_more_arrives_and_can_be_backordered(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    rows = await stock(http, mock_erp, OUT_OF_STOCK_SKU)

    assert rows == [
        {
            "sku": OUT_OF_STOCK_SKU,
            "available": 0,
            "warehouses": warehouses(0, 0),
            "backorderable": True,
            "next_available_date": (DEFAULT_TODAY + dt.timedelta(days=14)).isoformat(),
            "customer_code": MAIN,
        }
    ]


async def test_rows_come_in_the_order_asked_once_per_sku(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    order = ["LVL-60", "5620", "CBL-25", "5620", "BRK-77"]

    priced = await prices(http, mock_erp, MAIN, *[(sku, "1") for sku in order])
    twice = await prices(http, mock_erp, MAIN, ("5620", "50"), ("5620", "1"))
    stocked = await stock(http, mock_erp, *order)

    assert [row["sku"] for row in priced] == ["LVL-60", "5620", "CBL-25", "BRK-77"]
    assert [row["sku"] for row in stocked] == ["LVL-60", "5620", "CBL-25", "BRK-77"]
    # A row has no quantity: a SKU asked twice is priced for the first line asking it.
    assert [(row["sku"], row["unit_price"]) for row in twice] == [("5620", "13.30")]


async def test_the_currency_asked_is_the_currency_answered(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    body = prices_body(MAIN, ("5620", "1"), currency="SEK")

    status, answer = await post(http, mock_erp, "prices", body)

    assert status == 200
    assert (answer["data"][0]["currency"], answer["data"][0]["unit_price"]) == ("SEK", "14.78")


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("prices", prices_body(MAIN), "lines"),
        ("prices", prices_body(MAIN, *[(f"SKU-{n}", 1) for n in range(101)]), "lines"),
        ("prices", {"customer_code": MAIN, "lines": [{"sku": "5620", "quantity": 1}]}, "currency"),
        ("prices", prices_body(MAIN, ("5620", "1,5")), "lines"),
        ("inventory", {"customer_code": MAIN, "skus": []}, "skus"),
        ("inventory", {"customer_code": MAIN, "skus": [f"SKU-{n}" for n in range(101)]}, "skus"),
        ("inventory", {"skus": ["5620"]}, "customer_code"),
    ],
)
async def test_a_request_against_the_contract_is_refused_like_the_other_endpoints(
    mock_erp: MockErpHandle,
    http: aiohttp.ClientSession,
    name: str,
    body: dict[str, Any],
    field: str,
) -> None:
    status, answer = await post(http, mock_erp, name, body)

    assert (status, answer["error"]) == (400, "bad_request")
    assert answer["details"][0]["loc"][0] == field
    assert MAX_PRICE_LINES == 100


async def test_the_most_lines_a_request_may_carry_are_answered(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    lines = [(sku, "1") for sku in ITEM_MASTER] * 7  # 105 lines would be too many
    rows = await prices(http, mock_erp, MAIN, *lines[:MAX_PRICE_LINES])

    assert len(rows) == len(ITEM_MASTER) - 1  # each SKU once, the unpriced one left out


async def test_unasked_rows_adds_skus_nobody_asked_for(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("*", "unasked_rows")

    priced = await prices(http, mock_erp, MAIN, ("5620", "1"), ("WR-13", "1"))
    stocked = await stock(http, mock_erp, "5620", "WR-13")

    assert [row["sku"] for row in priced] == ["5620", "WR-13", "PIPE-12", "GLV-L"]
    assert [row["sku"] for row in stocked] == ["5620", "WR-13", "TST03", "PIPE-12"]


async def test_duplicate_rows_answers_each_sku_twice_differently(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("*", "duplicate_rows")

    priced = await prices(http, mock_erp, LIST_PRICE, ("5620", "1"), ("WR-13", "1"))
    stocked = await stock(http, mock_erp, "5620")

    assert [(row["sku"], row["unit_price"]) for row in priced] == [
        ("5620", "16.80"),
        ("5620", "17.80"),
        ("WR-13", "24.95"),
        ("WR-13", "25.95"),
    ]
    assert [(row["sku"], row["available"]) for row in stocked] == [("5620", 95), ("5620", 96)]


async def test_nonpositive_price_makes_the_first_price_zero_and_the_second_negative(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("prices", "nonpositive_price")

    rows = await prices(http, mock_erp, LIST_PRICE, ("5620", "1"), ("WR-13", "1"), ("LVL-60", 1))

    assert [row["unit_price"] for row in rows] == ["0.00", "-24.95", "27.35"]


async def test_other_currency_answers_eur_whatever_was_asked(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("prices", "other_currency")

    rows = await prices(http, mock_erp, MAIN, ("5620", "1"), ("WR-13", "1"))

    assert [row["currency"] for row in rows] == ["EUR", "EUR"]


async def test_stock_as_text_alternates_text_and_float_quantities(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("inventory", "stock_as_text")

    rows = await stock(http, mock_erp, "5620", NOT_BACKORDERABLE_SKU, OUT_OF_STOCK_SKU)

    assert [row["available"] for row in rows] == ["95", 121.5, "0"]
    assert [place["available"] for place in rows[0]["warehouses"]] == ["35", "60"]
    assert [place["available"] for place in rows[1]["warehouses"]] == [66.5, 55.0]
    # Still the contract's values: text and numbers read as exact decimals.
    parsed = InventoryResponse.model_validate({"data": rows}).data
    assert [row.available for row in parsed] == [Decimal("95"), Decimal("121.5"), Decimal("0")]


async def test_refuse_unknown_sku_answers_404_for_the_whole_request(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("*", "refuse_unknown_sku")

    refused = await post(http, mock_erp, "prices", prices_body(MAIN, ("5620", 1), (NO_SUCH_SKU, 1)))
    stock_refused = await post(
        http, mock_erp, "inventory", {"customer_code": MAIN, "skus": ["5620", NO_SUCH_SKU]}
    )
    known = await prices(http, mock_erp, MAIN, ("5620", 1), (UNPRICED_SKU, 1))

    message = {"error": "not_found", "message": f"No item {NO_SUCH_SKU} for this customer"}
    assert refused == (404, message)
    assert stock_refused == (404, message)
    assert [row["sku"] for row in known] == ["5620"]


async def test_zero_for_unknown_sku_answers_a_row_for_every_sku_asked(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("*", "zero_for_unknown_sku")

    priced = await prices(http, mock_erp, LIST_PRICE, ("5620", 1), (NO_SUCH_SKU, 1))
    stocked = await stock(http, mock_erp, NO_SUCH_SKU, "5620")

    assert [(row["sku"], row["unit_price"]) for row in priced] == [
        ("5620", "16.80"),
        (NO_SUCH_SKU, "0.00"),
    ]
    assert [(row["sku"], row["available"]) for row in stocked] == [(NO_SUCH_SKU, 0), ("5620", 95)]


async def test_refuse_unknown_customer_covers_prices_and_inventory(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("*", "refuse_unknown_customer")

    new = await post(http, mock_erp, "prices", prices_body(NEW_CUSTOMER, ("5620", 1)))
    new_stock = await post(
        http, mock_erp, "inventory", {"customer_code": NEW_CUSTOMER, "skus": ["5620"]}
    )
    known = await prices(http, mock_erp, LIST_PRICE, ("5620", 1))

    assert (new[0], new_stock[0]) == (404, 404)
    assert len(known) == 1


async def test_generic_faults_replace_the_new_endpoints_answers(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    body = prices_body(MAIN, ("5620", 1))
    mock_erp.set_fault("prices", "status", status=503, retry_after="2")
    async with http.post(mock_erp.urls["prices"], json=body) as response:
        assert (response.status, response.headers["Retry-After"]) == (503, "2")
    mock_erp.set_fault("inventory", "malformed_json")
    async with http.post(
        mock_erp.urls["inventory"], json={"customer_code": MAIN, "skus": ["5620"]}
    ) as response:
        assert response.status == 200
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(await response.read())
    mock_erp.set_fault("prices", "cross_customer")
    status, answer = await post(http, mock_erp, "prices", body)
    assert status == 200
    assert answer["data"] == [
        {"sku": "5620", "unit_price": "16.80", "currency": "USD", "customer_code": LIST_PRICE}
    ]


def test_fault_specs_name_the_new_endpoints_and_mistakes() -> None:
    target, fault = parse_fault_spec("prices=other_currency")
    assert (target, fault.kind) == ("prices", "other_currency")
    target, fault = parse_fault_spec("inventory=stock_as_text")
    assert (target, fault.kind) == ("inventory", "stock_as_text")


async def test_the_call_log_records_prices_and_inventory(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    await prices(http, mock_erp, MAIN, ("5620", "2"))
    await stock(http, mock_erp, "5620", "WR-13")
    await stock(http, mock_erp, "5620")

    assert (mock_erp.calls("prices"), mock_erp.calls("inventory")) == (1, 2)
    recent = mock_erp.recent_requests()
    assert [(call["endpoint"], call["path"]) for call in recent] == [
        ("prices", "/erp/prices"),
        ("inventory", "/erp/inventory"),
        ("inventory", "/erp/inventory"),
    ]
    assert recent[0]["body"]["lines"] == [{"sku": "5620", "quantity": "2"}]
    assert recent[1]["body"]["skus"] == ["5620", "WR-13"]
