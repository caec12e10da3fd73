"""Each auth style puts exactly the right headers on the wire; records never show secrets."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from multidict import CIMultiDict
from tests.erp.loopback import (
    PAYLOAD,
    TRACE_ID,
    Handler,
    ListAnswer,
    answer_json,
    answer_status,
    loopback_server,
    started_client,
    target,
)

from erpgate.erp.credentials import Credentials
from erpgate.erp.errors import ErpBlockedError, ErpRejectedError
from erpgate.kit.redaction import MASK

EMPTY: dict[str, list[object]] = {"data": []}


async def _call_once(credentials: Credentials) -> tuple[CIMultiDict[str], list[tuple[str, str]]]:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_json(EMPTY))
        await client.call(
            target(url, credentials=credentials),
            PAYLOAD,
            ListAnswer,
            trace_id=TRACE_ID,
            expected_customer_code=None,
        )
    [seen] = erp.requests_to("/orders")
    return seen.headers, sink.records[0].request_headers


async def test_bearer_sends_token_and_api_key() -> None:
    headers, recorded = await _call_once(Credentials("bearer", key="k-123", token="tok-abc"))

    assert headers["Authorization"] == "Bearer tok-abc"
    assert headers["X-Api-Key"] == "k-123"
    assert ("Authorization", MASK) in recorded
    assert ("X-Api-Key", MASK) in recorded


async def test_bearer_without_key_sends_no_api_key() -> None:
    headers, _ = await _call_once(Credentials("bearer", token="tok-abc"))

    assert headers["Authorization"] == "Bearer tok-abc"
    assert "X-Api-Key" not in headers


async def test_common_headers_are_sent() -> None:
    headers, recorded = await _call_once(Credentials("bearer", token="tok-abc"))

    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == "erpgate/0.1.0"
    assert re.fullmatch(r"req_[0-9a-f]{20}", headers["X-Request-Id"])
    assert re.fullmatch(rf"00-{TRACE_ID}-[0-9a-f]{{16}}-01", headers["traceparent"])
    assert ("X-Request-Id", headers["X-Request-Id"]) in recorded


async def test_header_style_sends_key_as_header_name() -> None:
    headers, recorded = await _call_once(Credentials("header", key="X-Erp-Secret", token="v-1"))

    assert headers["X-Erp-Secret"] == "v-1"
    assert "Authorization" not in headers
    assert ("X-Erp-Secret", MASK) in recorded


@pytest.mark.parametrize(
    ("token", "sent"), [("raw-token", "Bearer raw-token"), ("Token abc", "Token abc")]
)
async def test_header_style_authorization_gets_a_scheme(token: str, sent: str) -> None:
    headers, _ = await _call_once(Credentials("header", key="Authorization", token=token))

    assert headers["Authorization"] == sent


async def test_basic_sends_key_and_token() -> None:
    headers, recorded = await _call_once(Credentials("basic", key="erp-user", token="pa:ss"))

    assert headers["Authorization"] == "Basic " + base64.b64encode(b"erp-user:pa:ss").decode()
    assert ("Authorization", MASK) in recorded


async def test_echoed_token_is_masked_in_the_recorded_answer() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_json({"data": [], "debug": "got tok-echoed-1"}))
        await client.call(
            target(url, credentials=Credentials("bearer", token="tok-echoed-1")),
            PAYLOAD,
            ListAnswer,
            trace_id=TRACE_ID,
            expected_customer_code=None,
        )

    assert sink.records[0].response_body == f'{{"data":[],"debug":"got {MASK}"}}'.encode()


def _token_server(*tokens: str, expires_in: int = 3600) -> list[Handler]:
    return [
        answer_json({"access_token": t, "token_type": "Bearer", "expires_in": expires_in})
        for t in tokens
    ]


def _accept_only(token: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.Response(status=401)
        return web.json_response(EMPTY)

    return handler


async def test_oauth2_fetches_a_token_and_caches_it() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        token_url = erp.route("/token", *_token_server("at-1"))
        url = erp.route("/orders", _accept_only("at-1"))
        credentials = Credentials("oauth2", key="client-9", token="secret-9", token_url=token_url)

        for _ in range(3):
            await client.call(
                target(url, credentials=credentials),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert erp.hits("/token") == 1
    assert erp.hits("/orders") == 3
    [token_request] = erp.requests_to("/token")
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.body.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-9"],
        "client_secret": ["secret-9"],
    }
    token_record = sink.records[0]
    assert token_record.url == token_url
    assert b"secret-9" not in token_record.request_body
    assert parse_qs(token_record.request_body.decode())["client_secret"] == [MASK]
    assert b"at-1" not in token_record.response_body
    assert all(b"at-1" not in r.response_body for r in sink.records)
    assert ("Authorization", MASK) in sink.records[1].request_headers


async def test_oauth2_short_lived_token_is_not_reused() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        token_url = erp.route("/token", *_token_server("at-1", expires_in=30))
        url = erp.route("/orders", _accept_only("at-1"))
        credentials = Credentials("oauth2", key="c", token="secret-9", token_url=token_url)

        for _ in range(2):
            await client.call(
                target(url, credentials=credentials),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert erp.hits("/token") == 2


async def test_oauth2_refetches_once_after_a_401() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        token_url = erp.route("/token", *_token_server("at-old", "at-new"))
        url = erp.route("/orders", _accept_only("at-new"))
        credentials = Credentials("oauth2", key="c", token="secret-9", token_url=token_url)

        result = await client.call(
            target(url, credentials=credentials),
            PAYLOAD,
            ListAnswer,
            trace_id=TRACE_ID,
            expected_customer_code=None,
        )

    assert result.data == []
    assert (erp.hits("/token"), erp.hits("/orders")) == (2, 2)
    assert [r.status for r in sink.records] == [200, 401, 200, 200]
    assert [r.attempt for r in sink.records] == [1, 2, 3, 4]
    assert [r.url.endswith("/token") for r in sink.records] == [True, False, True, False]


async def test_oauth2_gives_up_after_the_second_401() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        token_url = erp.route("/token", *_token_server("at-1", "at-2", "at-3"))
        url = erp.route("/orders", answer_status(401))
        credentials = Credentials("oauth2", key="c", token="secret-9", token_url=token_url)

        with pytest.raises(ErpRejectedError) as caught:
            await client.call(
                target(url, credentials=credentials),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert caught.value.human == "ERP refused the credentials (401 Unauthorized)"
    assert caught.value.kind == "unauthorized"
    assert (erp.hits("/token"), erp.hits("/orders")) == (2, 2)


async def test_oauth2_token_url_refusing_the_client_is_reported() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        token_url = erp.route("/token", answer_json({"error": "invalid_client"}, status=401))
        url = erp.route("/orders", answer_json(EMPTY))
        credentials = Credentials("oauth2", key="c", token="secret-9", token_url=token_url)

        with pytest.raises(ErpRejectedError) as caught:
            await client.call(
                target(url, credentials=credentials),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert caught.value.human == "Token URL refused the credentials (401 Unauthorized)"
    assert (erp.hits("/token"), erp.hits("/orders")) == (1, 0)


async def test_oauth2_token_url_goes_through_the_ssrf_guard() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_json(EMPTY))
        credentials = Credentials(
            "oauth2", key="c", token="secret-9", token_url="http://10.0.0.5/token"
        )

        with pytest.raises(ErpBlockedError) as caught:
            await client.call(
                target(url, credentials=credentials),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert caught.value.human == "Token URL: Refused to call 10.0.0.5: private address"
    assert caught.value.kind == "ssrf"
    assert erp.hits("/orders") == 0


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        (Credentials("bearer"), "Bearer auth needs a Token"),
        (
            Credentials("header", token="t"),
            "Header auth needs a Key: the name of the header to send",
        ),
        (
            Credentials("header", key="Bad Header", token="t"),
            "Key 'Bad Header' is not a valid HTTP header name",
        ),
        (Credentials("oauth2", key="c", token="s"), "OAuth2 needs a token URL"),
        (Credentials("basic", token="t"), "Basic auth needs a Key: the user name"),
    ],
)
def test_incomplete_credentials_are_explained(credentials: Credentials, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        credentials.validate()


def test_secrets_and_repr_do_not_leak() -> None:
    credentials = Credentials("bearer", key="key-1234", token="token-5678")

    assert credentials.secrets() == ("token-5678", "key-1234")
    assert "token-5678" not in repr(credentials)
    assert Credentials("header", key="X-Token", token="v-9999").secrets() == ("v-9999",)
