"""Each auth style accepts exactly its credentials and answers 401 JSON otherwise."""

from __future__ import annotations

import aiohttp
import pytest
from tests.plugins.mock_erp import MockErpFactory

from erpgate.erp.contract import BalanceResponse

BODY = {"customer_code": "C0004935", "seller_reference": None}


def _with_basic(headers: dict[str, str], basic: str | None) -> dict[str, str]:
    return headers if basic is None else {**headers, "Authorization": basic}


async def _balance_status(url: str, headers: dict[str, str], basic: str | None = None) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=BODY, headers=_with_basic(headers, basic)) as r,
    ):
        body = await r.json()
        if r.status == 200:
            BalanceResponse.model_validate(body)
        elif r.status == 401:
            assert body["error"] == "unauthorized"
        return r.status


async def test_bearer_default(mock_erp_factory: MockErpFactory) -> None:
    erp = await mock_erp_factory()
    url = erp.urls["balance"]
    assert await _balance_status(url, {"Authorization": "Bearer mock-token"}) == 200
    assert await _balance_status(url, {"Authorization": "Bearer wrong"}) == 401
    assert await _balance_status(url, {"Authorization": "mock-token"}) == 401
    assert await _balance_status(url, {}) == 401


async def test_bearer_with_key_also_needs_x_api_key(mock_erp_factory: MockErpFactory) -> None:
    erp = await mock_erp_factory(token="t0k", key="k3y")
    url = erp.urls["balance"]
    assert await _balance_status(url, {"Authorization": "Bearer t0k", "X-Api-Key": "k3y"}) == 200
    assert await _balance_status(url, {"Authorization": "Bearer t0k"}) == 401
    assert await _balance_status(url, {"Authorization": "Bearer t0k", "X-Api-Key": "nope"}) == 401


async def test_header_style(mock_erp_factory: MockErpFactory) -> None:
    erp = await mock_erp_factory(auth_style="header", key="X-Erp-Secret", token="s3cret")
    url = erp.urls["balance"]
    assert await _balance_status(url, {"X-Erp-Secret": "s3cret"}) == 200
    assert await _balance_status(url, {"X-Erp-Secret": "other"}) == 401
    assert await _balance_status(url, {"Authorization": "Bearer s3cret"}) == 401


async def test_header_style_with_authorization_key_gets_bearer_prefix(
    mock_erp_factory: MockErpFactory,
) -> None:
    erp = await mock_erp_factory(auth_style="header", key="Authorization", token="raw")
    url = erp.urls["balance"]
    assert await _balance_status(url, {"Authorization": "Bearer raw"}) == 200
    assert await _balance_status(url, {"Authorization": "raw"}) == 401


async def test_basic_style(mock_erp_factory: MockErpFactory) -> None:
    erp = await mock_erp_factory(auth_style="basic", key="user", token="pass")
    url = erp.urls["balance"]
    assert await _balance_status(url, {}, aiohttp.encode_basic_auth("user", "pass")) == 200
    assert await _balance_status(url, {}, aiohttp.encode_basic_auth("user", "wrong")) == 401
    assert await _balance_status(url, {"Authorization": "Basic !!notbase64"}) == 401
    assert await _balance_status(url, {}) == 401


@pytest.mark.parametrize("as_json", [False, True])
async def test_oauth2_client_credentials(mock_erp_factory: MockErpFactory, as_json: bool) -> None:
    erp = await mock_erp_factory(auth_style="oauth2", key="client-1", token="secret-1")
    grant = {
        "grant_type": "client_credentials",
        "client_id": "client-1",
        "client_secret": "secret-1",
    }
    async with aiohttp.ClientSession() as http:
        kwargs = {"json": grant} if as_json else {"data": grant}
        async with http.post(erp.token_url, **kwargs) as r:  # type: ignore[arg-type]
            issued = await r.json()
        assert r.status == 200
        assert issued["token_type"] == "Bearer" and issued["expires_in"] == 3600
        access = issued["access_token"]
    url = erp.urls["balance"]
    assert await _balance_status(url, {"Authorization": f"Bearer {access}"}) == 200
    # The static token itself is not an access token.
    assert await _balance_status(url, {"Authorization": "Bearer secret-1"}) == 401
    async with (
        aiohttp.ClientSession() as http,
        http.post(erp.base_url + "/_control/tokens/revoke") as r,
    ):
        assert r.status == 200
    assert await _balance_status(url, {"Authorization": f"Bearer {access}"}) == 401


async def test_oauth2_token_url_refuses_wrong_client(mock_erp_factory: MockErpFactory) -> None:
    erp = await mock_erp_factory(auth_style="oauth2", key="client-1", token="secret-1")
    async with aiohttp.ClientSession() as http:
        wrong = {"grant_type": "client_credentials", "client_id": "client-1", "client_secret": "x"}
        async with http.post(erp.token_url, data=wrong) as r:
            assert (r.status, await r.json()) == (401, {"error": "invalid_client"})
        async with http.post(erp.token_url, data={"grant_type": "password"}) as r:
            assert (r.status, await r.json()) == (400, {"error": "unsupported_grant_type"})
        basic = {"Authorization": aiohttp.encode_basic_auth("client-1", "secret-1")}
        async with http.post(
            erp.token_url, data={"grant_type": "client_credentials"}, headers=basic
        ) as r:
            assert r.status == 200
    assert erp.calls("token") == 3


async def test_control_routes_need_no_credentials(mock_erp_factory: MockErpFactory) -> None:
    erp = await mock_erp_factory(token="only-this")
    async with aiohttp.ClientSession() as http:
        async with http.get(erp.base_url + "/_control/faults") as r:
            assert (r.status, await r.json()) == (200, {"faults": {}})
        async with http.get(erp.base_url + "/_control/calls") as r:
            assert r.status == 200
