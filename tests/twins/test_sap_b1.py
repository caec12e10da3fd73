from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from erpgate.twins import TwinConfig, build_twin
from erpgate.twins.odata import quote_literal
from erpgate.twins.sap_b1 import BASE_PATH
from tests.twins.helpers import ACME, GIBSONBURG, INJECTION, Client, set_fault

CREDENTIALS = {"CompanyDB": "SBODEMOUS", "UserName": "manager", "Password": "twin-password"}
INVALID_SESSION = {
    "error": {"code": "301", "message": "Invalid session or session already timeout."}
}


async def login(client: Client) -> dict[str, Any]:
    response = await client.post(f"{BASE_PATH}/Login", json=CREDENTIALS)
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    assert response.cookies["B1SESSION"].value == body["SessionId"]
    assert response.cookies["B1SESSION"]["path"] == "/b1s"
    assert response.cookies["ROUTEID"].value == ".node1"
    return body


async def get(client: Client, path: str, **params: str) -> tuple[int, Any]:
    response = await client.get(f"{BASE_PATH}/{path}", params=params)
    return response.status, await response.json()


async def ok(client: Client, path: str, **params: str) -> Any:
    status, body = await get(client, path, **params)
    assert status == 200, body
    return body


async def test_login_answers_a_session(sap: Client) -> None:
    body = await login(sap)
    assert body["Version"] == "1000190"
    assert body["SessionTimeout"] == 30


async def test_bad_login_sets_no_cookie(sap: Client) -> None:
    response = await sap.post(f"{BASE_PATH}/Login", json={**CREDENTIALS, "Password": "guess"})
    assert response.status == 401
    assert await response.json() == {"error": {"code": "100000027", "message": "Login failed"}}
    assert "B1SESSION" not in response.cookies


async def test_no_session_is_refused_with_301(sap: Client) -> None:
    assert await get(sap, "Orders") == (401, INVALID_SESSION)


async def test_pages_of_twenty_with_relative_next_links(sap: Client) -> None:
    await login(sap)
    params = {"$filter": f"CardCode eq '{ACME}'", "$orderby": "DocDate desc", "$top": "45"}
    first = await ok(sap, "Orders", **params)
    assert len(first["value"]) == 20
    assert {r["CardCode"] for r in first["value"]} == {ACME}
    link = first["@odata.nextLink"]
    assert link.startswith("Orders?")
    assert "$skip=20" in link and "$top=25" in link and "CardCode" in link
    second = await (await sap.get(f"{BASE_PATH}/{link}")).json()
    assert len(second["value"]) == 20
    assert "$skip=40" in second["@odata.nextLink"] and "$top=5" in second["@odata.nextLink"]
    third = await (await sap.get(f"{BASE_PATH}/{second['@odata.nextLink']}")).json()
    assert len(third["value"]) == 5
    assert "@odata.nextLink" not in third
    numbers = [r["DocEntry"] for page in (first, second, third) for r in page["value"]]
    assert len(set(numbers)) == 45
    dates = [r["DocDate"] for page in (first, second, third) for r in page["value"]]
    assert dates == sorted(dates, reverse=True)


async def test_prefer_maxpagesize_and_select(sap: Client) -> None:
    await login(sap)
    response = await sap.get(
        f"{BASE_PATH}/Invoices",
        params={"$select": "DocEntry,DocTotal", "$filter": f"CardCode eq '{ACME}'"},
        headers={"Prefer": "odata.maxpagesize=5"},
    )
    body = await response.json()
    assert len(body["value"]) == 5
    assert set(body["value"][0]) == {"DocEntry", "DocTotal"}
    assert "$skip=5" in body["@odata.nextLink"]


async def test_documents_by_doc_entry(sap: Client) -> None:
    await login(sap)
    order = await ok(sap, "Orders(100100)")
    assert (order["DocEntry"], order["DocNum"], order["CardCode"]) == (100100, 100100, ACME)
    assert order["DocumentStatus"] in ("bost_Open", "bost_Close")
    assert order["Cancelled"] == ("tYES" if order["U_ErpgateStatus"] == "Cancelled" else "tNO")
    assert order["DocumentLines"][0]["ItemCode"]
    missing = {"error": {"code": "-2028", "message": "No matching records found (ODBC -2028)"}}
    assert await get(sap, "Orders(1)") == (404, missing)
    invoices = await ok(sap, "Invoices", **{"$filter": f"CardCode eq '{ACME}'", "$top": "1"})
    entry = invoices["value"][0]["DocEntry"]
    invoice = await ok(sap, f"Invoices({entry})")
    assert invoice["PaidToDate"] <= invoice["DocTotal"]
    assert invoice["DocumentLines"][0]["BaseType"] == 17


async def test_balance_of_a_business_partner(sap: Client) -> None:
    await login(sap)
    partner = await ok(sap, f"BusinessPartners('{GIBSONBURG}')")
    assert partner["CardCode"] == GIBSONBURG
    assert partner["CreditLimit"] == 15000.0
    assert isinstance(partner["CurrentAccountBalance"], float)
    assert (await get(sap, "BusinessPartners('C404')"))[0] == 404


async def test_quote_injection_matches_nothing(sap: Client) -> None:
    await login(sap)
    literal = quote_literal(INJECTION)
    assert (await ok(sap, "Orders", **{"$filter": f"CardCode eq {literal}"}))["value"] == []
    assert (await get(sap, f"BusinessPartners({literal})"))[0] == 404
    status, body = await get(sap, "Orders", **{"$filter": f"CardCode eq '{INJECTION}'"})
    assert status == 400
    assert body["error"]["code"] == "-1000"


async def test_expired_sessions_answer_301_then_login_again_works(sap: Client) -> None:
    await login(sap)
    assert (await get(sap, "Orders(100100)"))[0] == 200
    await set_fault(sap, "*", "expire_sessions")
    assert await get(sap, "Orders(100100)") == (401, INVALID_SESSION)
    await login(sap)
    assert (await get(sap, "Orders(100100)"))[0] == 200


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def clocked() -> AsyncIterator[tuple[Client, _Clock]]:
    clock = _Clock()
    app = build_twin("sap-b1", TwinConfig(session_timeout_minutes=30, clock=clock))
    async with TestClient(TestServer(app)) as client:
        yield client, clock


async def test_sessions_time_out_when_idle(clocked: tuple[Client, _Clock]) -> None:
    client, clock = clocked
    await login(client)
    clock.now += 29 * 60
    assert (await get(client, "Orders(100100)"))[0] == 200  # in use: idle time starts again
    clock.now += 29 * 60
    assert (await get(client, "Orders(100100)"))[0] == 200
    clock.now += 30 * 60
    assert await get(client, "Orders(100100)") == (401, INVALID_SESSION)


async def test_logout_ends_the_session(sap: Client) -> None:
    await login(sap)
    response = await sap.post(f"{BASE_PATH}/Logout")
    assert response.status == 204
    assert await get(sap, "Orders") == (401, INVALID_SESSION)


async def test_rate_limit_huge_page_and_foreign_next_link(sap: Client) -> None:
    await login(sap)
    await set_fault(sap, "orders", "rate_limit")
    response = await sap.get(f"{BASE_PATH}/Orders")
    assert response.status == 429
    assert response.headers["Retry-After"] == "30"
    await set_fault(sap, "orders", "huge_page")
    body = await ok(sap, "Orders", **{"$top": "5"})
    assert len(body["value"]) == 20000
    await set_fault(sap, "orders", "foreign_next_link")
    body = await ok(sap, "Orders")
    assert len(body["value"]) == 20
    assert body["@odata.nextLink"].startswith("http://169.254.169.254/")


async def test_mock_faults_on_login_and_documents(sap: Client) -> None:
    await set_fault(sap, "login", "html_error", status=502)
    response = await sap.post(f"{BASE_PATH}/Login", json=CREDENTIALS)
    assert response.status == 502
    assert response.content_type == "text/html"
    await sap.delete("/_control/faults")
    await login(sap)
    await set_fault(sap, "order", "status", status=500)
    assert (await get(sap, "Orders(100100)"))[0] == 500
    assert (await get(sap, "Invoices"))[0] == 200
    await set_fault(sap, "invoices", "cross_customer")
    body = await ok(sap, "Invoices", **{"$filter": f"CardCode eq '{ACME}'"})
    assert body["value"] and ACME not in {r["CardCode"] for r in body["value"]}
