"""Every injected fault does what it says, set by CLI spec, by control route or by the handle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio
from pydantic import ValidationError
from tests.plugins.mock_erp import MockErpFactory

from erpgate.erp.contract import RESPONSE_MODELS, OrdersListResponse
from erpgate.erp.endpoints import Endpoint
from erpgate.mock_erp.config import DEFAULT_REDIRECT, Fault, FaultSpecError, parse_fault_spec
from erpgate.mock_erp.faults import MARKUP_NAME, MARKUP_NOTES
from erpgate.mock_erp.server import MockErpHandle

MAIN = "C0004935"
BODIES: dict[str, dict[str, Any]] = {
    "orders": {"customer_code": MAIN},
    "order": {"customer_code": MAIN, "order_id": "SO-100231"},
    "invoices": {"customer_code": MAIN},
    "invoice": {"customer_code": MAIN, "invoice_id": "INV-55000"},
    "balance": {"customer_code": MAIN},
    "taxes": {
        "request": {
            "header": {"customer_code": MAIN},
            "lines": [{"item_sku": "A", "line_amount": "1"}],
        }
    },
    "shipping": {"customer_code": MAIN, "country": "US", "items": [{"sku": "A", "quantity": "1"}]},
    "prices": {"customer_code": MAIN, "currency": "USD", "lines": [{"sku": "5620", "quantity": 1}]},
    "inventory": {"customer_code": MAIN, "skus": ["5620"]},
}


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer mock-token"}) as session:
        yield session


async def _call(
    http: aiohttp.ClientSession, erp: MockErpHandle, name: str
) -> tuple[int, str, bytes]:
    async with http.post(erp.urls[name], json=BODIES[name], allow_redirects=False) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.read()


async def test_every_endpoint_answers_contract_valid_without_faults(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    for name in BODIES:
        status, ctype, body = await _call(http, mock_erp, name)
        assert (status, ctype) == (200, "application/json")
        RESPONSE_MODELS[Endpoint(name)].model_validate_json(body)


async def test_status_fault_with_retry_after(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("orders", "status", status=429, retry_after="7")
    async with http.post(mock_erp.urls["orders"], json=BODIES["orders"]) as r:
        assert (r.status, r.headers["Retry-After"], (await r.json())["error"]) == (
            429,
            "7",
            "injected",
        )
    mock_erp.set_fault("orders", "status", status=503)
    status, _, body = await _call(http, mock_erp, "orders")
    assert status == 503 and orjson.loads(body)["error"] == "injected"
    # Other endpoints are untouched.
    assert (await _call(http, mock_erp, "balance"))[0] == 200


async def test_html_error(mock_erp: MockErpHandle, http: aiohttp.ClientSession) -> None:
    mock_erp.set_fault("balance", "html_error")
    status, ctype, body = await _call(http, mock_erp, "balance")
    assert (status, ctype) == (500, "text/html")
    assert body.startswith(b"<!DOCTYPE html>")


async def test_malformed_json(mock_erp: MockErpHandle, http: aiohttp.ClientSession) -> None:
    mock_erp.set_fault("orders", "malformed_json")
    status, ctype, body = await _call(http, mock_erp, "orders")
    assert (status, ctype) == (200, "application/json")
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)


async def test_contract_break_on_every_endpoint(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("*", "contract_break")
    for name in BODIES:
        status, _, body = await _call(http, mock_erp, name)
        assert status == 200
        orjson.loads(body)  # valid JSON ...
        with pytest.raises(ValidationError):  # ... that breaks the contract
            RESPONSE_MODELS[Endpoint(name)].model_validate_json(body)


async def test_cross_customer_answers_carry_another_customer_code(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("*", "cross_customer")
    for name in ("orders", "invoices", "order", "invoice", "balance", "prices", "inventory"):
        status, _, body = await _call(http, mock_erp, name)
        data = orjson.loads(body)["data"]
        codes = (
            {row["customer_code"] for row in data}
            if isinstance(data, list)
            else {data["customer_code"]}
        )
        assert status == 200 and codes and MAIN not in codes
        RESPONSE_MODELS[Endpoint(name)].model_validate(orjson.loads(body))


async def test_error_rate_all_or_nothing(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("taxes", "error_rate", rate=1.0)
    assert [(await _call(http, mock_erp, "taxes"))[0] for _ in range(5)] == [500] * 5
    mock_erp.set_fault("taxes", "error_rate", rate=0.0)
    assert [(await _call(http, mock_erp, "taxes"))[0] for _ in range(5)] == [200] * 5
    mock_erp.set_fault("taxes", "error_rate", rate=0.5)
    mixed = {(await _call(http, mock_erp, "taxes"))[0] for _ in range(40)}
    assert mixed == {200, 500}


async def test_latency_delays_then_answers_normally(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("balance", "latency", seconds=0.01)
    status, _, body = await _call(http, mock_erp, "balance")
    assert status == 200
    RESPONSE_MODELS[Endpoint.BALANCE].model_validate_json(body)
    mock_erp.set_fault("balance", "latency", seconds=30)
    with pytest.raises(TimeoutError):
        async with http.post(
            mock_erp.urls["balance"],
            json=BODIES["balance"],
            timeout=aiohttp.ClientTimeout(total=0.3),
        ):
            pass


async def test_slow_drip_sends_headers_then_starves_the_body(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("orders", "slow_drip", interval_ms=500)
    async with http.post(mock_erp.urls["orders"], json=BODIES["orders"]) as r:
        assert r.status == 200
        first = await r.content.read(1)
        assert first == b"{"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(r.read(), timeout=0.3)


async def test_reset_closes_the_connection_without_answer(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("order", "reset")
    with pytest.raises(aiohttp.ClientConnectionError):
        await _call(http, mock_erp, "order")
    mock_erp.clear_faults()
    assert (await _call(http, mock_erp, "order"))[0] == 200


async def test_oversized_is_valid_json_of_the_asked_size(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("orders", "oversized", bytes=300_000)
    status, _, body = await _call(http, mock_erp, "orders")
    assert (status, len(body)) == (200, 300_000)
    assert len(OrdersListResponse.model_validate_json(body).data) == 20
    mock_erp.set_fault("orders", "oversized")
    assert len((await _call(http, mock_erp, "orders"))[2]) == 6 * 1024 * 1024


async def test_redirect(mock_erp: MockErpHandle, http: aiohttp.ClientSession) -> None:
    mock_erp.set_fault("shipping", "redirect")
    async with http.post(
        mock_erp.urls["shipping"], json=BODIES["shipping"], allow_redirects=False
    ) as r:
        assert (r.status, r.headers["Location"]) == (302, DEFAULT_REDIRECT)
    mock_erp.set_fault("shipping", "redirect", location="http://10.0.0.1/x")
    async with http.post(
        mock_erp.urls["shipping"], json=BODIES["shipping"], allow_redirects=False
    ) as r:
        assert r.headers["Location"] == "http://10.0.0.1/x"


async def test_echo_credentials_repeats_them_in_a_header_and_the_body(
    mock_erp_factory: MockErpFactory,
) -> None:
    erp = await mock_erp_factory(
        auth_style="oauth2", key="client-1", token="s3cret+/&", faults=["*=echo_credentials"]
    )
    erp.set_fault("token", "echo_credentials")
    async with aiohttp.ClientSession() as http:
        form = {"grant_type": "client_credentials", "client_id": "client-1"}
        async with http.post(erp.token_url, data={**form, "client_secret": "s3cret+/&"}) as r:
            assert r.status == 200
            assert "client_secret=s3cret%2B%2F%26" in r.headers["X-Debug-Echo"]
            answer = await r.json()
        token = answer["access_token"]
        assert "client_secret=s3cret%2B%2F%26" in answer["_echo"]["body"]
        headers = {"Authorization": f"Bearer {token}"}
        async with http.post(erp.urls["orders"], json=BODIES["orders"], headers=headers) as r:
            assert r.headers["X-Debug-Echo"] == f"got Bearer {token}"
            echoed = await r.json()
    assert echoed["_echo"]["headers"] == {"Authorization": f"Bearer {token}"}
    OrdersListResponse.model_validate(echoed)  # still a contract answer


async def test_markup_text_puts_markup_in_notes_and_ship_to_names(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    mock_erp.set_fault("orders", "markup_text")
    mock_erp.set_fault("order", "markup_text")

    _, _, listed = await _call(http, mock_erp, "orders")
    _, _, detail = await _call(http, mock_erp, "order")

    rows = OrdersListResponse.model_validate_json(listed).data
    assert rows and {row.ship_to_name for row in rows} == {MARKUP_NAME}
    order = orjson.loads(detail)["data"]
    assert order["notes"] == MARKUP_NOTES
    assert "<script>" in MARKUP_NOTES and "<i>" in MARKUP_NAME
    assert order["ship_to_name"] == order["ship_to"]["name"] == MARKUP_NAME
    RESPONSE_MODELS[Endpoint.ORDER].model_validate_json(detail)  # still a contract answer


async def test_control_routes_set_list_and_clear_faults(
    mock_erp: MockErpHandle, http: aiohttp.ClientSession
) -> None:
    control = mock_erp.base_url + "/_control/faults"
    async with http.post(control, json={"endpoint": "*", "fault": "status", "status": 502}) as r:
        assert r.status == 200
    async with http.post(
        control, json={"endpoint": "orders", "fault": "status", "status": 504}
    ) as r:
        listed = (await r.json())["faults"]
    assert (listed["*"]["status"], listed["orders"]["status"]) == (502, 504)
    assert (await _call(http, mock_erp, "orders"))[0] == 504  # the endpoint's own fault wins
    assert (await _call(http, mock_erp, "balance"))[0] == 502
    async with http.delete(control, params={"endpoint": "orders"}) as r:
        assert list((await r.json())["faults"]) == ["*"]
    assert (await _call(http, mock_erp, "orders"))[0] == 502
    async with http.delete(control) as r:
        assert (await r.json()) == {"faults": {}}
    assert (await _call(http, mock_erp, "orders"))[0] == 200
    for bad in (
        {"endpoint": "nope", "fault": "status"},
        {"endpoint": "orders", "fault": "explode"},
        {"endpoint": "orders", "fault": "latency", "seconds": "soon"},
    ):
        async with http.post(control, json=bad) as r:
            assert (r.status, (await r.json())["error"]) == (400, "bad_request")


async def test_cli_fault_specs_apply_at_start(mock_erp_factory: MockErpFactory) -> None:
    erp = await mock_erp_factory(faults=["orders=status:429,retry_after=3", "*=html_error"])
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer mock-token"}) as http:
        async with http.post(erp.urls["orders"], json=BODIES["orders"]) as r:
            assert (r.status, r.headers["Retry-After"]) == (429, "3")
        assert (await _call(http, erp, "balance"))[:2] == (500, "text/html")


def test_fault_spec_parsing() -> None:
    assert parse_fault_spec("orders=status:500") == ("orders", Fault(kind="status", status=500))
    assert parse_fault_spec("*=latency:0.5") == ("*", Fault(kind="latency", seconds=0.5))
    assert parse_fault_spec("taxes=redirect:http://x/y:1") == (
        "taxes",
        Fault(kind="redirect", location="http://x/y:1"),
    )
    assert parse_fault_spec("order=reset") == ("order", Fault(kind="reset"))
    assert parse_fault_spec("invoices=oversized:1000") == (
        "invoices",
        Fault(kind="oversized", bytes=1000),
    )
    for bad in (
        "orders",
        "nope=status:500",
        "orders=boom",
        "orders=reset:1",
        "orders=status:x",
        "orders=status:500,zz=1",
        "orders=status:500,bare",
    ):
        with pytest.raises(FaultSpecError):
            parse_fault_spec(bad)
