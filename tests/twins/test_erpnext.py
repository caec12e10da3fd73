from __future__ import annotations

import json
from typing import Any

from tests.twins.helpers import ACME, GIBSONBURG, INJECTION, Client, set_fault

AUTH = {"Authorization": "token twin-key:twin-secret"}
ORDERS = "/api/resource/Sales Order"
INVOICES = "/api/resource/Sales%20Invoice"
BALANCE = "/api/method/erpnext.accounts.utils.get_balance_on"


async def get(client: Client, path: str, **params: Any) -> tuple[int, Any]:
    query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = await client.get(path, params=query, headers=AUTH)
    return response.status, await response.json()


async def ok(client: Client, path: str, **params: Any) -> Any:
    status, body = await get(client, path, **params)
    assert status == 200, body
    return body


async def test_wrong_or_missing_token_is_refused(erpnext: Client) -> None:
    for headers in ({}, {"Authorization": "token twin-key:wrong"}):
        response = await erpnext.get(ORDERS, headers=headers)
        assert response.status == 401
        body = await response.json()
        assert body["exc_type"] == "AuthenticationError"
        assert json.loads(body["_server_messages"]) == ["Invalid API key"]


async def test_list_answers_only_names_by_default_twenty_rows(erpnext: Client) -> None:
    body = await ok(erpnext, ORDERS)
    assert len(body["data"]) == 20
    assert set(body["data"][0]) == {"name"}


async def test_fields_filters_order_and_paging(erpnext: Client) -> None:
    params: dict[str, Any] = {
        "fields": ["name", "customer", "transaction_date", "grand_total", "status"],
        "filters": [["customer", "=", ACME], ["transaction_date", ">=", "2026-01-01"]],
        "order_by": "transaction_date desc",
        "limit_page_length": "7",
    }
    first = (await ok(erpnext, ORDERS, **params))["data"]
    second = (await ok(erpnext, ORDERS, **params, limit_start="7"))["data"]
    assert len(first) == len(second) == 7
    assert {r["customer"] for r in first + second} == {ACME}
    dates = [r["transaction_date"] for r in first + second]
    assert dates == sorted(dates, reverse=True) and min(dates) >= "2026-01-01"
    assert not {r["name"] for r in first} & {r["name"] for r in second}
    everything = (await ok(erpnext, ORDERS, **{**params, "limit_page_length": "0"}))["data"]
    assert len(everything) > 20
    like = await ok(erpnext, ORDERS, filters=[["name", "like", "SO-1001%"]], limit_page_length="0")
    assert like["data"] and all(r["name"].startswith("SO-1001") for r in like["data"])


async def test_unparseable_fields_or_filters_are_417(erpnext: Client) -> None:
    for params in ({"fields": "[name"}, {"filters": "[[1,2]]"}, {"filters": [["x", "=", 1]]}):
        status, body = await get(erpnext, ORDERS, **params)
        assert status == 417
        assert body["exc_type"] == "ValidationError"


async def test_quote_injection_matches_nothing(erpnext: Client) -> None:
    body = await ok(erpnext, ORDERS, filters=[["customer", "=", INJECTION]], limit_page_length="0")
    assert body["data"] == []
    status, _ = await get(erpnext, f"{ORDERS}/{INJECTION}")
    assert status == 404


async def test_documents_by_name(erpnext: Client) -> None:
    order = (await ok(erpnext, f"{ORDERS}/SO-100100"))["data"]
    assert order["customer"] == ACME
    assert order["items"][0]["item_code"]
    assert order["status"] in ("To Deliver and Bill", "To Deliver", "Completed", "Cancelled")
    status, body = await get(erpnext, f"{ORDERS}/SO-1")
    assert status == 404
    assert body["exc_type"] == "DoesNotExistError"
    assert body["exception"].endswith("Sales Order SO-1 not found")
    fields = ["name", "status", "outstanding_amount", "grand_total"]
    invoice = (await ok(erpnext, INVOICES, fields=fields, filters={"customer": ACME}))["data"][0]
    detail = (await ok(erpnext, f"{INVOICES}/{invoice['name']}"))["data"]
    assert detail["outstanding_amount"] == invoice["outstanding_amount"]
    assert detail["items"][0]["sales_order"].startswith("SO-")


async def test_balance_method_and_customer(erpnext: Client) -> None:
    body = await ok(erpnext, BALANCE, party_type="Customer", party=GIBSONBURG)
    assert isinstance(body["message"], float)
    status, body = await get(erpnext, BALANCE, party_type="Customer", party="C404")
    assert status == 417
    customer = (await ok(erpnext, f"/api/resource/Customer/{GIBSONBURG}"))["data"]
    assert customer["credit_limits"][0]["credit_limit"] == 15000.0


async def test_faults(erpnext: Client) -> None:
    await set_fault(erpnext, "orders", "rate_limit", seconds=3)
    response = await erpnext.get(ORDERS, headers=AUTH)
    assert (response.status, response.headers["Retry-After"]) == (429, "3")
    await set_fault(erpnext, "orders", "huge_page", rows=1000)
    body = await ok(erpnext, ORDERS, filters=[["customer", "=", ACME]], limit_page_length="5")
    assert len(body["data"]) == 1000
    await set_fault(erpnext, "balance", "status", status=500)
    assert (await get(erpnext, BALANCE, party_type="Customer", party=ACME))[0] == 500
    await set_fault(erpnext, "invoice", "contract_break")
    names = (await ok(erpnext, INVOICES))["data"]
    detail = (await ok(erpnext, f"{INVOICES}/{names[0]['name']}"))["data"]
    assert detail["grand_total"] == "abc"
