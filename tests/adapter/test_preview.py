"""The preview: a pasted ERP answer mapped offline and held to the contract, errors with their
mapping line, a live read refused before any request, and garbage as 422."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.adapters.profile import profile_json, shipped_profile
from erpgate.mock_erp.server import MockErpHandle
from tests.adapter.helpers import API, CUSTOMER, bc_orders_answer
from tests.event.helpers import make_shop, sign_in_admin

PREVIEW = f"{API}/preview"


async def _signed_in(client: httpx.AsyncClient, db: AsyncSession, settings: Settings) -> str:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)
    saved = await client.put(
        API, json={"profile": "business-central", "endpoints": []}, headers={"X-CSRF-Token": csrf}
    )
    assert saved.status_code == 200
    return csrf


async def _preview(client: httpx.AsyncClient, csrf: str, **body: Any) -> httpx.Response:
    return await client.post(PREVIEW, json=body, headers={"X-CSRF-Token": csrf})


async def test_a_business_central_answer_maps_to_the_orders_contract(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf = await _signed_in(client, db, settings)

    answer = await _preview(
        client, csrf, endpoint="orders", customer_code=CUSTOMER, answer=bc_orders_answer()
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["ok"], body["errors"], body["requests"]) == (True, [], [])
    assert body["mapped"]["data"][0] == {
        "order_id": "S-ORD101001",
        "order_number": "S-ORD101001",
        "date": "2026-10-01",
        "status": "Open",
        "po_number": "PO-77",
        "currency": "USD",
        "total": 1234.5,
        "ship_to_name": "Toledo Plant",
        "customer_code": CUSTOMER,
    }
    assert body["mapped"]["data"][1]["po_number"] is None
    assert body["mapped"]["meta"] == {"page": 1, "page_size": 20, "has_more": False}


async def test_pasted_json_text_maps_like_a_json_value(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf = await _signed_in(client, db, settings)
    text = '{"value": [{"number": "C0004935", "currencyCode": "USD", '
    text += '"customerFinancialDetail": {"balance": 10.5, "overdueAmount": 0}}]}'

    answer = await _preview(client, csrf, endpoint="balance", customer_code=CUSTOMER, answer=text)

    assert answer.json()["ok"] is True
    assert answer.json()["mapped"] == {
        "data": {"customer_code": CUSTOMER, "currency": "USD", "balance": 10.5, "past_due": 0}
    }


async def test_a_mapping_that_fails_names_its_line(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf = await _signed_in(client, db, settings)
    profile = profile_json(shipped_profile("business-central"))
    profile["endpoints"]["orders"]["mapping"] = (
        '{\n  "data": [value.{\n    "order_id": $nosuch(number)\n  }]\n}'
    )

    answer = await _preview(
        client,
        csrf,
        endpoint="orders",
        customer_code=CUSTOMER,
        profile=profile,
        answer=bc_orders_answer(),
    )

    body = answer.json()
    assert (body["ok"], body["mapped"]) == (False, None)
    [error] = body["errors"]
    assert error["line"] == 3
    assert "mapping line 3" in error["message"] and "$nosuch" in error["message"]


async def test_an_answer_of_the_wrong_shape_is_a_contract_error_on_its_field_line(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf = await _signed_in(client, db, settings)
    wrong = {"value": [{"number": "S-1", "totalAmountIncludingTax": 5, "customerNumber": CUSTOMER}]}
    mapping = shipped_profile("business-central").endpoints["orders"].mapping
    date_line = next(n for n, t in enumerate(mapping.splitlines(), 1) if '"date"' in t)

    answer = await _preview(client, csrf, endpoint="orders", customer_code=CUSTOMER, answer=wrong)

    body = answer.json()
    assert body["ok"] is False
    assert body["errors"] == [
        {"message": "Answer broke the contract: data[0].date is missing", "line": date_line}
    ]
    assert body["mapped"]["data"][0]["order_id"] == "S-1"  # what came out, to compare


async def test_another_customers_rows_are_refused_as_the_storefront_would(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf = await _signed_in(client, db, settings)

    answer = await _preview(
        client, csrf, endpoint="orders", customer_code=CUSTOMER, answer=bc_orders_answer("C999")
    )

    assert answer.json()["ok"] is False
    assert answer.json()["errors"][0]["message"].startswith("Answer belongs to another customer")


async def test_a_live_read_without_the_drivers_secrets_is_refused_before_any_request(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf = await _signed_in(client, db, settings)  # a Token but no Key: oauth2 needs both

    answer = await _preview(client, csrf, endpoint="balance", customer_code=CUSTOMER)

    body = answer.json()
    assert (body["ok"], body["requests"]) == (False, [])
    assert body["errors"][0]["message"].startswith("The oauth2 driver needs a Key and a Token")


BAD_INPUT: list[tuple[dict[str, Any], str, str]] = [
    ({"endpoint": "taxes"}, "endpoint", "Choose one of orders, order, invoices, invoice, balance."),
    ({"customer_code": ""}, "customer_code", ""),
    ({"answer": "{not json"}, "answer", "The pasted answer is not JSON"),
    ({"endpoint": "order"}, "order_id", "The order preview needs the order id."),
    ({"profile": {"name": "x"}}, "profile", "profile: base_url: Field required"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
async def test_bad_input_is_422_with_a_sentence_for_its_field(
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    csrf = await _signed_in(client, db, settings)
    body = {"endpoint": "orders", "customer_code": CUSTOMER, "answer": {"value": []}, **change}

    answer = await _preview(client, csrf, **body)

    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"][field].startswith(message)
    assert answer.json()["fields"][field]


async def test_without_a_saved_profile_the_preview_asks_for_one(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)

    answer = await _preview(client, csrf, endpoint="orders", customer_code=CUSTOMER, answer=[])
    forged = await client.post(PREVIEW, json={"endpoint": "orders", "customer_code": CUSTOMER})

    assert answer.status_code == 422
    assert answer.json()["fields"]["profile"].startswith("No adapter profile is saved")
    assert forged.status_code == 403


async def test_a_live_read_goes_through_the_gateway_and_lists_its_requests_masked(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)
    # The adapter's own Token: the mock ERP's bearer token (saved with no endpoint served yet).
    saved = await client.put(
        API,
        json={"profile": "odoo", "endpoints": [], "token": "mock-token"},
        headers={"X-CSRF-Token": csrf},
    )
    assert saved.status_code == 200, saved.text
    profile = {
        "name": "contract-as-adapter",
        "base_url": mock_erp.base_url,
        "auth": {"driver": "bearer"},
        "endpoints": {
            "balance": {
                "method": "POST",
                "path": mock_erp.urls["balance"].removeprefix(mock_erp.base_url),
                "body": {"customer_code": "{customer_code}"},
                "mapping": '{"data": data}',
            }
        },
    }

    answer = await _preview(
        client, csrf, endpoint="balance", customer_code=CUSTOMER, profile=profile
    )

    body = answer.json()
    assert body["ok"] is True, body
    assert body["mapped"]["data"]["balance"]
    [request] = body["requests"]
    assert (request["method"], request["url"], request["status"]) == (
        "POST",
        mock_erp.urls["balance"],
        200,
    )
