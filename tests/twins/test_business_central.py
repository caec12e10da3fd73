from __future__ import annotations

from typing import Any

from erpgate.twins.business_central import BASE_PATH, COMPANY_ID, TOKEN_PATH, document_id
from erpgate.twins.odata import quote_literal
from tests.twins.helpers import ACME, GIBSONBURG, INJECTION, Client, set_fault

GOOD = {
    "grant_type": "client_credentials",
    "client_id": "twin-client",
    "client_secret": "twin-secret",
}


async def token(client: Client) -> dict[str, str]:
    response = await client.post(
        TOKEN_PATH, data={**GOOD, "scope": "https://api.businesscentral.dynamics.com/.default"}
    )
    assert response.status == 200
    body = await response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    return {"Authorization": f"Bearer {body['access_token']}"}


async def get(client: Client, path: str, **params: str) -> tuple[int, Any]:
    response = await client.get(f"{BASE_PATH}/{path}", params=params, headers=await token(client))
    return response.status, await response.json()


async def ok(client: Client, path: str, **params: str) -> Any:
    status, body = await get(client, path, **params)
    assert status == 200, body
    return body


async def test_wrong_secret_is_refused_the_entra_way(bc: Client) -> None:
    response = await bc.post(TOKEN_PATH, data={**GOOD, "client_secret": "nope"})
    assert response.status == 401
    assert await response.json() == {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.",
    }


async def test_api_needs_a_valid_bearer(bc: Client) -> None:
    for headers in ({}, {"Authorization": "Bearer forged"}):
        response = await bc.get(f"{BASE_PATH}/salesOrders", headers=headers)
        assert response.status == 401
        assert await response.json() == {
            "error": {"code": "Unauthorized", "message": "The credentials provided are incorrect"}
        }


async def test_other_company_is_not_found(bc: Client) -> None:
    headers = await token(bc)
    path = BASE_PATH.replace(COMPANY_ID, "00000000-0000-0000-0000-000000000000")
    response = await bc.get(f"{path}/salesOrders", headers=headers)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "BadRequest_ResourceNotFound"


async def test_orders_of_a_customer_with_top_skip_and_order(bc: Client) -> None:
    query = {"$filter": f"customerNumber eq '{ACME}'", "$orderby": "orderDate desc"}
    status, first = await get(bc, "salesOrders", **query, **{"$top": "10"})
    assert status == 200
    assert first["@odata.context"].endswith(f"#companies({COMPANY_ID})/salesOrders")
    rows = first["value"]
    assert len(rows) == 10
    assert {r["customerNumber"] for r in rows} == {ACME}
    assert [r["orderDate"] for r in rows] == sorted((r["orderDate"] for r in rows), reverse=True)
    assert "@odata.nextLink" not in first  # $top asked for ten: nothing the server cut
    assert "salesOrderLines" not in rows[0]
    status, second = await get(bc, "salesOrders", **query, **{"$top": "10", "$skip": "10"})
    assert second["value"][0]["number"] not in {r["number"] for r in rows}
    status, everything = await get(bc, "salesOrders", **query)
    assert len(everything["value"]) == 160
    assert [r["number"] for r in everything["value"][10:20]] == [
        r["number"] for r in second["value"]
    ]


async def test_row_shape_and_expanded_lines(bc: Client) -> None:
    body = await ok(
        bc, "salesOrders", **{"$filter": "number eq 'SO-100100'", "$expand": "salesOrderLines"}
    )
    (row,) = body["value"]
    assert row["id"] == document_id("SO-100100")
    assert row["customerNumber"] == ACME
    assert row["status"] in ("Open", "Released", "Draft")
    assert isinstance(row["totalAmountIncludingTax"], float)
    line = row["salesOrderLines"][0]
    assert line["lineType"] == "Item"
    assert {
        "lineObjectNumber",
        "quantity",
        "unitPrice",
        "amountIncludingTax",
        "shippedQuantity",
    } <= set(line)


async def test_server_cut_pages_carry_an_absolute_next_link(bc: Client) -> None:
    headers = {**await token(bc), "Prefer": "odata.maxpagesize=50"}
    params = {"$filter": f"customerNumber eq '{ACME}'"}
    response = await bc.get(f"{BASE_PATH}/salesOrders", params=params, headers=headers)
    body = await response.json()
    assert len(body["value"]) == 50
    link = body["@odata.nextLink"]
    assert link.startswith(f"http://127.0.0.1:{bc.port}{BASE_PATH}/salesOrders?")
    assert "$skip=50" in link
    follow = await bc.get(link.removeprefix(f"http://127.0.0.1:{bc.port}"), headers=headers)
    followed = (await follow.json())["value"]
    skipped = await ok(bc, "salesOrders", **params, **{"$skip": "50"})
    assert [r["number"] for r in followed] == [r["number"] for r in skipped["value"][:50]]


async def test_by_id_found_and_unknown(bc: Client) -> None:
    order_id = document_id("SO-100100")
    status, body = await get(bc, f"salesOrders({order_id})", **{"$expand": "salesOrderLines"})
    assert status == 200
    assert body["number"] == "SO-100100"
    assert body["salesOrderLines"]
    status, body = await get(bc, f"salesOrders({document_id('SO-1')})")
    assert status == 404
    assert body["error"]["code"] == "BadRequest_ResourceNotFound"
    status, invoices = await get(
        bc, "salesInvoices", **{"$filter": f"customerNumber eq '{ACME}'", "$top": "1"}
    )
    invoice = invoices["value"][0]
    status, body = await get(
        bc, f"salesInvoices({invoice['id']})", **{"$expand": "salesInvoiceLines"}
    )
    assert body["number"] == invoice["number"]
    assert body["status"] == ("Open" if body["remainingAmount"] > 0 else "Paid")
    assert body["salesInvoiceLines"]


async def test_balance_through_customer_financial_detail(bc: Client) -> None:
    body = await ok(
        bc,
        "customers",
        **{"$filter": f"number eq '{GIBSONBURG}'", "$expand": "customerFinancialDetail"},
    )
    (customer,) = body["value"]
    assert customer["number"] == GIBSONBURG
    detail = customer["customerFinancialDetail"]
    assert isinstance(detail["balance"], float)
    assert detail["overdueAmount"] <= detail["balance"]


async def test_quote_injection_matches_nothing(bc: Client) -> None:
    literal = quote_literal(INJECTION)
    for entity, field in (("salesOrders", "customerNumber"), ("customers", "number")):
        status, body = await get(bc, entity, **{"$filter": f"{field} eq {literal}"})
        assert (status, body["value"]) == (200, [])
    # Unescaped, the same text is not a valid filter: refused, never widened.
    status, body = await get(bc, "salesOrders", **{"$filter": f"customerNumber eq '{INJECTION}'"})
    assert status == 400
    assert body["error"]["code"] == "BadRequest"


async def test_rate_limit_answers_429_with_retry_after(bc: Client) -> None:
    await set_fault(bc, "orders", "rate_limit", seconds=7)
    response = await bc.get(f"{BASE_PATH}/salesOrders", headers=await token(bc))
    assert response.status == 429
    assert response.headers["Retry-After"] == "7"
    assert (await response.json())["error"]["code"] == "TooManyRequests"


async def test_huge_page_ignores_top(bc: Client) -> None:
    await set_fault(bc, "orders", "huge_page", rows=500)
    body = await ok(bc, "salesOrders", **{"$filter": f"customerNumber eq '{ACME}'", "$top": "5"})
    assert len(body["value"]) == 500
    assert {r["customerNumber"] for r in body["value"]} == {ACME}


async def test_foreign_next_link(bc: Client) -> None:
    await set_fault(bc, "invoices", "foreign_next_link")
    body = await ok(bc, "salesInvoices", **{"$top": "3"})
    assert len(body["value"]) == 3
    assert body["@odata.nextLink"].startswith("http://169.254.169.254/")


async def test_mock_faults_apply_to_the_route_of_their_endpoint(bc: Client) -> None:
    await set_fault(bc, "balance", "status", status=500)
    status, _ = await get(bc, "customers", **{"$filter": f"number eq '{ACME}'"})
    assert status == 500
    status, body = await get(bc, "salesOrders", **{"$top": "1"})
    assert status == 200  # only the balance route is faulty
    await set_fault(bc, "orders", "contract_break")
    status, body = await get(bc, "salesOrders", **{"$top": "1"})
    assert body["value"][0]["totalAmountIncludingTax"] == "abc"
    await set_fault(bc, "token", "status", status=503)
    response = await bc.post(TOKEN_PATH, data=GOOD)
    assert response.status == 503
    calls = await (await bc.get("/_control/calls")).json()
    assert calls["counts"]["token"] >= 1
