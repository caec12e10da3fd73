"""The mock ERP's submit_order: one ERP order per Idempotency-Key, shown first in the customer's
list and by id, its rejections, and its faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from erpgate.erp.contract import (
    OrderResponse,
    OrdersListResponse,
    SubmitOrderRejection,
    SubmitOrderResponse,
)
from erpgate.mock_erp.config import DEFAULT_STALL_SECONDS, parse_fault_spec
from erpgate.mock_erp.server import MockErpHandle

MAIN = "C0004935"
ON_HOLD = "C0009999"
FIRST_NEW = "SO-100375"  # the seeded orders run SO-100100 to SO-100374


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer mock-token"}) as session:
        yield session


def order_body(
    reference: str, customer: str = MAIN, skus: tuple[str, ...] = ("5620",)
) -> dict[str, Any]:
    return {
        "order_reference": reference,
        "customer_code": customer,
        "seller_reference": None,
        "po_number": "PO-5511",
        "placed_at": "2026-11-15T14:03:00Z",
        "currency": "USD",
        "ship_to": {
            "name": "ACME Warehouse 3",
            "address1": "1200 Front St",
            "address2": None,
            "address3": None,
            "city": "Toledo",
            "state": "OH",
            "zip": "43605",
            "country": "US",
        },
        "lines": [
            {
                "line_number": number,
                "sku": sku,
                "description": f"Item {sku}",
                "uom": "EA",
                "quantity": "2",
                "unit_price": "16.80",
                "line_total": "33.60",
                "price_source": "catalog",
            }
            for number, sku in enumerate(skus, start=1)
        ],
        "shipping": {"code": "ground", "label": "Ground", "amount": "10.00", "source": "erp"},
        "tax": {"amount": "2.44", "source": "erp", "estimated": False},
        "totals": {"subtotal": "33.60", "shipping": "10.00", "tax": "2.44", "total": "46.04"},
        "notes": "Deliver to dock 4",
    }


async def submit(
    http: aiohttp.ClientSession,
    erp: MockErpHandle,
    body: Any,
    key: str | None = "",
    timeout: float | None = None,
) -> tuple[int, Any]:
    """POST to submit_order; ``key`` "" sends the body's reference, None sends no key."""
    headers = {}
    if key is not None:
        headers["Idempotency-Key"] = key or body["order_reference"]
    kwargs: dict[str, Any] = {"headers": headers, "json": body}
    if timeout is not None:
        kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
    async with http.post(erp.urls["submit_order"], **kwargs) as response:
        return response.status, await response.json(content_type=None)


async def orders_page(http: aiohttp.ClientSession, erp: MockErpHandle) -> OrdersListResponse:
    async with http.post(erp.urls["orders"], json={"customer_code": MAIN}) as response:
        return OrdersListResponse.model_validate(await response.json())


CREATED = {"data": {"order_id": FIRST_NEW, "order_number": FIRST_NEW, "status": "Open"}}


async def test_a_key_sent_again_answers_the_same_order_and_creates_nothing(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    first = await submit(http, mock_erp, order_body("W-1001"))
    again = await submit(http, mock_erp, order_body("W-1001"))

    assert first == (201, CREATED)
    assert again == (200, CREATED)
    SubmitOrderResponse.model_validate(again[1])
    assert mock_erp.submissions() == [
        {
            "key": "W-1001",
            "customer_code": MAIN,
            "status": 201,
            "order_ids": [FIRST_NEW],
            "seen": 2,
        }
    ]
    page = await orders_page(http, mock_erp)
    assert page.meta is not None and page.meta.total == 161
    assert [row.order_id for row in page.data[:2]] == [FIRST_NEW, "SO-100100"]


async def test_the_new_order_is_first_in_the_list_and_readable_by_id(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    await submit(http, mock_erp, order_body("W-1001"))
    await submit(http, mock_erp, order_body("W-1002", skus=("5620", "TST03")))

    page = await orders_page(http, mock_erp)
    async with http.post(
        mock_erp.urls["order"], json={"customer_code": MAIN, "order_id": FIRST_NEW}
    ) as response:
        detail = await response.json()

    assert [row.order_id for row in page.data[:3]] == ["SO-100376", FIRST_NEW, "SO-100100"]
    assert page.data[1].model_dump(mode="json") == {
        "order_id": FIRST_NEW,
        "order_number": FIRST_NEW,
        "date": "2026-11-15",
        "status": "Open",
        "po_number": "PO-5511",
        "currency": "USD",
        "total": "46.04",
        "ship_to_name": "ACME Warehouse 3",
        "customer_code": MAIN,
    }
    OrderResponse.model_validate(detail)
    assert detail["data"]["lines"] == [
        {
            "line_number": 1,
            "sku": "5620",
            "description": "Item 5620",
            "uom": "EA",
            "quantity": "2",
            "quantity_shipped": "0",
            "quantity_backordered": "2",
            "unit_price": "16.80",
            "line_total": "33.60",
        }
    ]
    assert {k: detail["data"][k] for k in ("subtotal", "tax_total", "shipping_total", "notes")} == {
        "subtotal": "33.60",
        "tax_total": "2.44",
        "shipping_total": "10.00",
        "notes": "Deliver to dock 4",
    }
    assert detail["data"]["ship_to"] == order_body("x")["ship_to"]
    assert detail["data"]["shipments"] == []
    # Found by its PO number and by the status it was given.
    async with http.post(
        mock_erp.urls["orders"], json={"customer_code": MAIN, "search": "po-5511"}
    ) as response:
        found = OrdersListResponse.model_validate(await response.json())
    assert [row.order_id for row in found.data] == ["SO-100376", FIRST_NEW]


async def test_another_customer_cannot_read_the_new_order(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    await submit(http, mock_erp, order_body("W-1001"))

    async with http.post(
        mock_erp.urls["order"], json={"customer_code": "C010268", "order_id": FIRST_NEW}
    ) as response:
        assert response.status == 404


async def test_an_unknown_customer_is_rejected_for_staff_only(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    status, body = await submit(http, mock_erp, order_body("W-2001", customer="C-NOBODY"))

    assert (status, body) == (
        422,
        {"errors": [{"field": "customer_code", "message": "Unknown customer C-NOBODY"}]},
    )
    SubmitOrderRejection.model_validate(body)


async def test_a_customer_on_credit_hold_is_rejected_for_staff_only(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    status, body = await submit(http, mock_erp, order_body("W-2002", customer=ON_HOLD))

    assert (status, body) == (
        422,
        {
            "errors": [
                {
                    "field": "customer_code",
                    "message": "Customer C0009999 is on credit hold: release the hold in the ERP "
                    "and place the order again",
                }
            ]
        },
    )
    async with http.post(mock_erp.urls["orders"], json={"customer_code": ON_HOLD}) as response:
        assert (await response.json())["data"] == []


async def test_each_discontinued_line_is_one_reason_with_a_buyer_message(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    body = order_body("W-2003", skus=("DISC-1", "5620", "disc-77", "DISC-9"))

    status, answer = await submit(http, mock_erp, body)
    again = await submit(http, mock_erp, body)

    assert status == 422
    assert answer == {
        "errors": [
            {
                "field": f"lines[{index}].sku",
                "message": f"Item {sku} is discontinued",
                "buyer_message": f"Product {sku} is no longer sold.",
            }
            for index, sku in ((0, "DISC-1"), (2, "disc-77"), (3, "DISC-9"))
        ]
    }
    # A rejection is final: the same key answers the same reasons.
    assert again == (422, answer)
    assert mock_erp.submissions() == [
        {"key": "W-2003", "customer_code": MAIN, "status": 422, "order_ids": [], "seen": 2}
    ]
    assert (await orders_page(http, mock_erp)).data[0].order_id == "SO-100100"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "The Idempotency-Key header is required (the order_reference)"),
        ("W-OTHER", "The Idempotency-Key header must be the order_reference"),
    ],
)
async def test_a_missing_or_foreign_key_is_a_bad_request(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession, key: str | None, message: str
) -> None:
    status, body = await submit(http, mock_erp, order_body("W-3001"), key=key)

    assert (status, body) == (400, {"error": "bad_request", "message": message})
    assert mock_erp.submissions() == []


async def test_garbage_is_a_bad_request(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        mock_erp.urls["submit_order"], data=b"not json", headers={"Idempotency-Key": "W-1"}
    ) as response:
        assert (response.status, await response.json()) == (
            400,
            {"error": "bad_request", "message": "The body must be a JSON object"},
        )
    body = order_body("W-3002")
    del body["lines"]
    status, answer = await submit(http, mock_erp, body)

    assert status == 400
    assert answer["error"] == "bad_request"
    assert [(d["loc"], d["type"]) for d in answer["details"]] == [(["lines"], "missing")]
    assert mock_erp.submissions() == []


async def test_the_call_log_and_the_control_view_show_the_keys(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    await submit(http, mock_erp, order_body("W-4001"))
    await submit(http, mock_erp, order_body("W-4001"))
    await submit(http, mock_erp, order_body("W-4002", skus=("DISC-1",)))

    async with http.get(mock_erp.base_url + "/_control/calls") as response:
        calls = await response.json()
    async with http.get(mock_erp.base_url + "/_control/submitted") as response:
        submitted = await response.json()

    assert calls["counts"] == {"submit_order": 3}
    assert [c["headers"]["Idempotency-Key"] for c in calls["recent"]] == [
        "W-4001",
        "W-4001",
        "W-4002",
    ]
    assert submitted == {
        "submitted": [
            {
                "key": "W-4001",
                "customer_code": MAIN,
                "status": 201,
                "order_ids": [FIRST_NEW],
                "seen": 2,
            },
            {"key": "W-4002", "customer_code": MAIN, "status": 422, "order_ids": [], "seen": 1},
        ]
    }


async def test_accept_then_stall_creates_the_order_and_the_retry_gets_it(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("submit_order", "accept_then_stall")

    with pytest.raises(TimeoutError):
        await submit(http, mock_erp, order_body("W-5001"), timeout=0.3)
    mock_erp.clear_faults()
    retried = await submit(http, mock_erp, order_body("W-5001"))

    assert retried == (200, CREATED)
    assert [(s["order_ids"], s["seen"]) for s in mock_erp.submissions()] == [([FIRST_NEW], 2)]


async def test_accept_then_reset_creates_the_order_and_the_retry_gets_it(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("submit_order", "accept_then_reset")

    with pytest.raises(aiohttp.ClientConnectionError):
        await submit(http, mock_erp, order_body("W-5002"))
    mock_erp.clear_faults()
    retried = await submit(http, mock_erp, order_body("W-5002"))

    assert retried == (200, CREATED)
    assert [(s["order_ids"], s["seen"]) for s in mock_erp.submissions()] == [([FIRST_NEW], 2)]


async def test_contract_break_answers_without_an_order_id_and_creates_nothing(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("submit_order", "contract_break")

    broken = await submit(http, mock_erp, order_body("W-5003"))
    assert mock_erp.submissions() == []
    mock_erp.clear_faults()
    retried = await submit(http, mock_erp, order_body("W-5003"))

    assert broken == (200, {"data": {"status": "Open"}})
    assert retried == (201, CREATED)
    assert [(s["order_ids"], s["seen"]) for s in mock_erp.submissions()] == [([FIRST_NEW], 1)]


async def test_reject_many_answers_fifty_reasons_and_creates_nothing(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("submit_order", "reject_many")

    status, body = await submit(http, mock_erp, order_body("W-5004"))

    assert status == 422
    reasons = SubmitOrderRejection.model_validate(body).errors
    assert len(reasons) == 50
    assert body["errors"][49] == {
        "field": "lines[49].sku",
        "message": "Item REJ-50 is not stocked at warehouse 1",
        "buyer_message": "Product REJ-50 is not available.",
    }
    assert mock_erp.submissions() == []


async def test_a_server_error_creates_nothing_and_the_retry_creates_once(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("submit_order", "status", status=503)

    failed = await submit(http, mock_erp, order_body("W-5005"))
    mock_erp.clear_faults()
    retried = await submit(http, mock_erp, order_body("W-5005"))

    assert failed[0] == 503
    assert retried == (201, CREATED)


async def test_ignore_idempotency_key_creates_an_order_per_call(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("submit_order", "ignore_idempotency_key")

    first = await submit(http, mock_erp, order_body("W-5006"))
    again = await submit(http, mock_erp, order_body("W-5006"))

    assert (first[0], first[1]["data"]["order_id"]) == (201, FIRST_NEW)
    assert (again[0], again[1]["data"]["order_id"]) == (201, "SO-100376")
    assert mock_erp.submissions() == [
        {
            "key": "W-5006",
            "customer_code": MAIN,
            "status": 201,
            "order_ids": [FIRST_NEW, "SO-100376"],
            "seen": 2,
        }
    ]


def test_submit_faults_parse_from_the_command_line() -> None:
    assert parse_fault_spec("submit_order=accept_then_stall")[1].seconds == DEFAULT_STALL_SECONDS
    assert parse_fault_spec("submit_order=accept_then_stall:30")[1].seconds == 30.0
    for kind in ("accept_then_reset", "ignore_idempotency_key", "reject_many"):
        assert parse_fault_spec(f"submit_order={kind}")[1].kind == kind
