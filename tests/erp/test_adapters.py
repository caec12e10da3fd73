"""Adapted reads over a scripted transport: the ERP's own requests, paging, sessions and the
mapping's guards, each through the one ``ErpGateway.read``."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import orjson
import pytest
from tests.erp.scripted import ScriptedTransport, Step, answer

from erpgate.erp.adapters.profile import ProfileError, parse_profile, shipped_profile
from erpgate.erp.adapters.targets import adapter_target
from erpgate.erp.adapters.templates import render_json, render_text
from erpgate.erp.contract import (
    BalanceRequest,
    BalanceResponse,
    OrderRequest,
    OrderResponse,
    OrdersListRequest,
    OrdersListResponse,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpContractError,
    ErpCrossCustomerError,
    ErpLoginAnswerError,
    ErpMappingError,
    ErpNotFoundError,
    ErpSsrfError,
)
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, ListSink, Outcome

STORE = UUID("00000000-0000-4000-8000-000000000017")
BASE = "https://erp.example.com/api/"
OPTIONS = ErpClientOptions(response_cap_bytes=1 << 20)
LIST_MAPPING = """{
  "data": [value.{"order_id": No, "date": Day, "total": Amount, "customer_code": Cust}],
  "meta": {"page": $page, "has_more": $has_more}
}"""


def profile(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "test",
        "base_url": BASE,
        "auth": {"driver": "bearer"},
        "endpoints": {
            "orders": {
                "path": "Orders",
                "query": {"$filter": "Cust eq {customer_code|odata}"},
                "paging": {"style": "odata", "rows": "value", "next_link": "@odata.nextLink"},
                "mapping": LIST_MAPPING,
            },
            "order": {
                "path": "Orders",
                "query": {"$filter": "No eq {order_id|int}"},
                "mapping": '{"data": value[0].{"order_id": $string(No), "date": Day, '
                '"total": Amount, "customer_code": Cust, "lines": []}}',
            },
            "balance": {
                "path": "Customers({customer_code|odata})",
                "mapping": '{"data": {"balance": Balance, "customer_code": Code}}',
            },
        },
    }
    data.update(changes)
    return data


def row(number: int, customer: str = "C1") -> dict[str, Any]:
    return {"No": f"SO-{number}", "Day": "2026-10-01", "Amount": 10.5, "Cust": customer}


def orders_url(skip: int = 0, top: int = 3, customer: str = "C1") -> str:
    quoted = customer.replace("'", "''").replace(" ", "%20")
    return f"{BASE}Orders?$filter=Cust%20eq%20'{quoted}'&$top={top}&$skip={skip}"


async def read(
    transport: ScriptedTransport,
    call: ErpCall[Any],
    endpoint: Endpoint = Endpoint.ORDERS,
    data: dict[str, Any] | None = None,
    *,
    key: str = "",
    token: str = "erp-token",  # noqa: S107
    timeout: float = 5.0,
) -> tuple[Outcome[Any], ErpGateway]:
    gateway = ErpGateway(OPTIONS, ListSink(), transport=transport)
    target = adapter_target(
        OPTIONS,
        store_id=STORE,
        endpoint=endpoint,
        profile=parse_profile(data or profile()),
        timeout_seconds=timeout,
        key=key,
        token=token,
    )
    try:
        return await gateway.read(target, call), gateway
    finally:
        await gateway.mapping.close()


def orders_call(customer: str = "C1", page_size: int = 2) -> ErpCall[OrdersListResponse]:
    actor = Actor(source="storefront", customer_code=customer)
    request = OrdersListRequest(customer_code=customer, page_size=page_size)
    return ErpCall.of(Endpoint.ORDERS, request, OrdersListResponse, actor)


async def test_a_page_asks_one_row_more_and_knows_there_is_more() -> None:
    transport = ScriptedTransport({orders_url(): [answer({"value": [row(1), row(2), row(3)]})]})
    outcome, _ = await read(transport, orders_call())
    assert outcome.ok, outcome.error
    assert [o.order_id for o in outcome.value.data] == ["SO-1", "SO-2"]
    assert outcome.value.meta.has_more is True
    sent = transport.requests[0]
    assert sent.method == "GET" and sent.body == b""
    assert sent.headers["Authorization"] == "Bearer erp-token"
    assert "Content-Type" not in sent.headers


async def test_short_erp_pages_are_followed_to_fill_the_page() -> None:
    second = f"{BASE}Orders?$skip=1&$top=2"
    transport = ScriptedTransport(
        {
            orders_url(): [answer({"value": [row(1)], "@odata.nextLink": "Orders?$skip=1&$top=2"})],
            second: [answer({"value": [row(2)]})],
        }
    )
    outcome, _ = await read(transport, orders_call())
    assert outcome.ok, outcome.error
    assert [o.order_id for o in outcome.value.data] == ["SO-1", "SO-2"]
    assert outcome.value.meta.has_more is False
    assert [a.url for a in outcome.attempts] == [orders_url(), second]


async def test_a_next_link_to_another_host_is_refused_and_not_followed() -> None:
    link = "http://169.254.169.254/latest/meta-data/"
    transport = ScriptedTransport(
        {orders_url(): [answer({"value": [row(1)], "@odata.nextLink": link})]}
    )
    outcome, _ = await read(transport, orders_call())
    assert isinstance(outcome.error, ErpSsrfError)
    assert "169.254.169.254" in outcome.error.human
    assert [r.url for r in transport.requests] == [orders_url()]


async def test_a_page_over_the_row_cap_is_a_contract_error() -> None:
    rows = [row(n) for n in range(50)]
    transport = ScriptedTransport({orders_url(): [answer({"value": rows})]})
    outcome, _ = await read(transport, orders_call(), data=profile(row_cap=20))
    assert isinstance(outcome.error, ErpContractError)
    assert "more than 20 rows" in outcome.error.human


async def test_a_quote_in_the_customer_code_stays_inside_the_literal() -> None:
    code = "O'Brien') or (1 eq 1"
    transport = ScriptedTransport({orders_url(customer=code): [answer({"value": []})]})
    outcome, _ = await read(transport, orders_call(customer=code))
    assert outcome.ok, outcome.error
    assert transport.requests[0].url.startswith(
        f"{BASE}Orders?$filter=Cust%20eq%20'O''Brien'')%20or%20(1%20eq%201'"
    )


async def test_one_row_stays_a_list() -> None:
    transport = ScriptedTransport({orders_url(): [answer({"value": [row(1)]})]})
    outcome, _ = await read(transport, orders_call())
    assert outcome.ok, outcome.error
    assert [o.order_id for o in outcome.value.data] == ["SO-1"]


async def test_another_customers_row_is_refused_by_the_contract_guard() -> None:
    transport = ScriptedTransport({orders_url(): [answer({"value": [row(1, "C2")]})]})
    outcome, _ = await read(transport, orders_call())
    assert isinstance(outcome.error, ErpCrossCustomerError)


async def test_an_id_that_cannot_exist_is_not_found_without_asking() -> None:
    actor = Actor(source="storefront", customer_code="C1")
    call = ErpCall.of(
        Endpoint.ORDER, OrderRequest(customer_code="C1", order_id="1 or 1=1"), OrderResponse, actor
    )
    transport = ScriptedTransport({})
    outcome, _ = await read(transport, call, Endpoint.ORDER)
    assert isinstance(outcome.error, ErpNotFoundError)
    assert transport.requests == []


async def test_a_mapping_that_throws_names_its_line() -> None:
    data = profile()
    data["endpoints"]["orders"]["mapping"] = '{\n  "data": [value.{"order_id": $nosuch(No)}]\n}'
    transport = ScriptedTransport({orders_url(): [answer({"value": [row(1)]})]})
    outcome, _ = await read(transport, orders_call(), data=data)
    assert isinstance(outcome.error, ErpMappingError)
    assert "mapping line 2" in outcome.error.human
    assert "$nosuch" in outcome.error.human


@pytest.mark.deadlines
async def test_a_mapping_that_loops_is_stopped_within_the_deadline() -> None:
    data = profile()
    data["endpoints"]["orders"]["mapping"] = "( $f := function($x){ $f($x + 1) }; $f(1) )"
    transport = ScriptedTransport({orders_url(): [answer({"value": [row(1)]})]})
    outcome, _ = await read(transport, orders_call(), data=data, timeout=2.0)
    assert isinstance(outcome.error, ErpMappingError)
    assert "D1012" in outcome.error.human  # the engine's own timeout, inside the call's
    assert outcome.duration_ms < 2000 + 100


async def test_a_mapping_with_the_wrong_shape_is_a_contract_error() -> None:
    data = profile()
    data["endpoints"]["orders"]["mapping"] = '{"data": [value.{"order_id": No}]}'
    transport = ScriptedTransport({orders_url(): [answer({"value": [row(1)]})]})
    outcome, _ = await read(transport, orders_call(), data=data)
    assert isinstance(outcome.error, ErpContractError)
    assert "data[0].date is missing" in outcome.error.human


def login_profile() -> dict[str, Any]:
    return profile(
        auth={
            "driver": "login_session",
            "login": {
                "path": "Login",
                "body": {"User": "{key}", "Password": "{token}"},
                "cookies": ["SESSION"],
                "logout_path": "Logout",
            },
        }
    )


def balance_call() -> ErpCall[BalanceResponse]:
    actor = Actor(source="storefront", customer_code="C1")
    return ErpCall.of(Endpoint.BALANCE, BalanceRequest(customer_code="C1"), BalanceResponse, actor)


async def test_a_login_session_logs_in_once_and_again_after_a_401() -> None:
    balance_url = f"{BASE}Customers('C1')"
    logged_in = Step(
        200, b'{"SessionId":"sess-4f1c9a"}', {"Set-Cookie": "SESSION=sess-4f1c9a; Path=/"}
    )
    transport = ScriptedTransport(
        {
            f"{BASE}Login": [logged_in],
            balance_url: [
                Step(401, b'{"error":"Invalid session"}'),
                answer({"Balance": 12.5, "Code": "C1"}),
            ],
        }
    )
    outcome, _ = await read(
        transport, balance_call(), Endpoint.BALANCE, login_profile(), key="manager", token="pw-8812"
    )
    assert outcome.ok, outcome.error
    assert str(outcome.value.data.balance) == "12.5"
    urls = [r.url for r in transport.requests]
    assert urls == [f"{BASE}Login", balance_url, f"{BASE}Login", balance_url]
    assert orjson.loads(transport.requests[0].body) == {"User": "manager", "Password": "pw-8812"}
    assert transport.requests[1].headers["Cookie"] == "SESSION=sess-4f1c9a"
    # The session id is masked wherever it was recorded.
    from erpgate.erp.attempts import masked

    shown = masked(outcome.attempts[0])
    assert b"sess-4f1c9a" not in shown.response_body
    assert b"pw-8812" not in shown.request_body


async def test_a_login_without_the_cookie_is_a_clear_failure() -> None:
    transport = ScriptedTransport({f"{BASE}Login": [answer({"SessionId": "x"})]})
    outcome, _ = await read(
        transport, balance_call(), Endpoint.BALANCE, login_profile(), key="manager", token="pw"
    )
    assert isinstance(outcome.error, ErpLoginAnswerError)
    assert "without the cookie SESSION" in outcome.error.human


def test_templates_build_filters_as_data() -> None:
    filters = {"status": {"open": ["outstanding", ">", 0]}}
    template = [
        ["customer", "=", "{customer_code}"],
        ["date", ">=", "{date_from}"],
        "{status|filter}",
    ]
    assert render_json(template, {"customer_code": "A'B", "status": "open"}, filters) == [
        ["customer", "=", "A'B"],
        ["outstanding", ">", 0],
    ]
    assert render_text("x[[ and n eq {search|int}]]", {"search": "PO-1"}, {}) == "x"
    assert render_text("P({customer_code|odata})", {"customer_code": "a/b"}, {}, path=True) == (
        "P('a%2Fb')"
    )


def test_a_broken_profile_names_every_problem() -> None:
    data = profile()
    data["endpoints"]["orders"]["mapping"] = '{ "data": '
    data["endpoints"]["orders"]["query"] = {"$filter": "x eq {nope}"}
    data["endpoints"]["shipping"] = data["endpoints"]["balance"]
    with pytest.raises(ProfileError) as caught:
        parse_profile(data)
    text = str(caught.value)
    assert "endpoints.orders.mapping" in text
    assert "unknown placeholder {nope}" in text
    assert "endpoints.shipping: not an endpoint an adapter serves" in text


@pytest.mark.parametrize("name", ["business-central", "sap-b1", "erpnext", "odoo"])
def test_the_shipped_profiles_are_valid(name: str) -> None:
    shipped = shipped_profile(name)
    assert set(shipped.endpoints) == {"orders", "order", "invoices", "invoice", "balance"}


async def test_new_credentials_for_a_store_log_its_old_session_out() -> None:
    from erpgate.erp.adapters.sessions import LoginSessions, Session

    sessions = LoginSessions()
    logged_out: list[str] = []

    def login(name: str) -> Any:
        async def fresh() -> Session:
            async def logout() -> None:
                logged_out.append(name)

            return Session({"SESSION": name}, expires_at=float("inf"), logout=logout)

        return fresh

    first = await sessions.get((STORE, BASE, "old"), login("old"))
    again = await sessions.get((STORE, BASE, "old"), login("unused"))
    other_store = await sessions.get((UUID(int=1), BASE, "theirs"), login("theirs"))
    changed = await sessions.get((STORE, BASE, "new"), login("new"))
    await asyncio.sleep(0.01)  # the old session's logout runs in the background

    assert again is first and changed is not first and other_store.cookies == {"SESSION": "theirs"}
    assert logged_out == ["old"]
    await sessions.logout_all()
    assert sorted(logged_out) == ["new", "old", "theirs"]


async def test_a_list_answered_as_a_bare_array_reads_even_with_a_next_link_key() -> None:
    data = profile()
    orders = data["endpoints"]["orders"]
    orders["paging"] = {"style": "odata", "rows": "", "next_link": "@odata.nextLink"}
    orders["mapping"] = (
        '{"data": [$.{"order_id": No, "date": Day, "total": Amount, "customer_code": Cust}]}'
    )
    transport = ScriptedTransport({orders_url(): [answer([row(1), row(2), row(3)])]})
    outcome, _ = await read(transport, orders_call(), data=data)
    assert outcome.ok, outcome.error
    assert [o.order_id for o in outcome.value.data] == ["SO-1", "SO-2"]
