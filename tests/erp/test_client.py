"""The client against real loopback servers: answers, statuses, contract and customer checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.erp.loopback import (
    PAYLOAD,
    ROW,
    TRACE_ID,
    ListAnswer,
    OneAnswer,
    answer_json,
    answer_status,
    answer_text,
    loopback_server,
    options,
    slow_drip,
    started_client,
    target,
)

from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpContractError,
    ErpNotFoundError,
    ErpRejectedError,
    ErpTimeoutError,
)


async def test_valid_answer_is_returned_as_the_model() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_json({"data": [ROW], "meta": {"page": 1}}))

        result = await client.call(
            target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
        )

    assert result.data[0].order_id == "SO-1"
    assert result.data[0].total == Decimal("1523.40")
    assert erp.requests_to("/orders")[0].body == (
        b'{"customer_code":"C0004935","seller_reference":null,"page":1,"page_size":20}'
    )
    [record] = sink.records
    assert (record.status, record.error, record.attempt, record.method) == (200, None, 1, "POST")
    assert record.endpoint == "orders"
    assert record.trace_id == TRACE_ID
    assert record.url == url
    assert record.response_body == b'{"data":[' + ROW_JSON + b'],"meta":{"page":1}}'
    assert record.response_truncated is False


ROW_JSON = b'{"order_id":"SO-1","date":"2026-10-02","total":"1523.40"}'


async def test_500_html_is_rejected_with_the_status_sentence() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_text("<html>boom</html>", status=500))

        with pytest.raises(ErpRejectedError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert caught.value.human == "ERP answered 500 Internal Server Error"
    assert caught.value.kind == "status_5xx"
    assert caught.value.status == 500
    [record] = sink.records
    assert record.status == 500
    assert record.response_body == b"<html>boom</html>"
    assert record.error == "ERP answered 500 Internal Server Error"


async def test_200_with_html_is_not_json() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_text("<html>maintenance</html>"))

        with pytest.raises(ErpContractError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert (caught.value.human, caught.value.kind) == ("Answer was not JSON", "not_json")
    assert sink.records[0].error == "Answer was not JSON"


async def test_json_without_content_type_is_still_read() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_text('{"data": []}', content_type="text/plain"))

        result = await client.call(
            target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
        )

    assert result.data == []


async def test_json_list_where_an_object_is_expected_breaks_the_contract() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_json([ROW]))

        with pytest.raises(ErpContractError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert caught.value.human == "Answer broke the contract: expected a JSON object, got a list"
    assert caught.value.kind == "contract"


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        (
            "total",
            "1,234.50",
            'Answer broke the contract: data[3].total is not a number: "1,234.50"',
        ),
        ("total", "abc", 'Answer broke the contract: data[3].total is not a number: "abc"'),
        (
            "date",
            "32/13/2026",
            'Answer broke the contract: data[3].date is not a date: "32/13/2026"',
        ),
        ("order_id", None, "Answer broke the contract: data[3].order_id is not text: null"),
    ],
)
async def test_bad_field_names_its_path(field: str, value: object, sentence: str) -> None:
    rows = [dict(ROW) for _ in range(5)]
    rows[3][field] = value  # type: ignore[assignment]
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_json({"data": rows}))

        with pytest.raises(ErpContractError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert caught.value.human == sentence
    assert sink.records[0].error == sentence


async def test_missing_required_field_is_named() -> None:
    row = {"order_id": "SO-1", "date": "2026-10-02"}
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_json({"data": [row]}))

        with pytest.raises(ErpContractError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert caught.value.human == "Answer broke the contract: data[0].total is missing"


async def test_by_id_not_found_as_404_and_as_null_data() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url_404 = erp.route("/order-404", answer_status(404))
        url_null = erp.route("/order-null", answer_json({"data": None}))

        with pytest.raises(ErpNotFoundError) as by_status:
            await client.call(
                target(url_404, Endpoint.ORDER),
                {"order_id": "X"},
                OneAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )
        with pytest.raises(ErpNotFoundError) as by_null:
            await client.call(
                target(url_null, Endpoint.INVOICE),
                {"invoice_id": "X"},
                OneAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert (by_status.value.kind, by_status.value.status) == ("not_found", 404)
    assert by_null.value.kind == "not_found"


async def test_404_on_a_list_endpoint_is_rejected() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_status(404))

        with pytest.raises(ErpRejectedError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert (caught.value.human, caught.value.kind) == ("ERP answered 404 Not Found", "status_4xx")


async def test_answer_for_another_customer_is_refused() -> None:
    rows = [dict(ROW, customer_code="C0004935"), dict(ROW, customer_code="C999")]
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_json({"data": rows}))

        with pytest.raises(ErpContractError) as caught:
            await client.call(
                target(url),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code="C0004935",
            )

    assert caught.value.human == "Answer belongs to another customer (customer_code C999)"
    assert caught.value.kind == "cross_customer"


async def test_answer_for_the_same_customer_passes_the_guard() -> None:
    rows = [dict(ROW, customer_code="C0004935")]
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_json({"data": rows, "meta": {"customer_code": None}}))

        result = await client.call(
            target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code="C0004935"
        )

    assert result.data[0].customer_code == "C0004935"


async def test_redirect_is_rejected_and_never_followed() -> None:
    async with loopback_server() as erp, loopback_server() as elsewhere:
        target_url = elsewhere.route("/stolen", answer_json({"data": []}))
        to_loopback = erp.route("/orders", answer_status(302, Location=target_url))
        to_metadata = erp.route(
            "/orders-meta", answer_status(302, Location="http://169.254.169.254/latest/meta-data")
        )
        async with started_client() as (client, sink):
            for url in (to_loopback, to_metadata):
                with pytest.raises(ErpRejectedError) as caught:
                    await client.call(
                        target(url),
                        PAYLOAD,
                        ListAnswer,
                        trace_id=TRACE_ID,
                        expected_customer_code=None,
                    )
                assert caught.value.kind == "redirect"
                assert caught.value.human == (
                    "ERP redirected to another address; redirects are not followed"
                )

        assert elsewhere.hits("/stolen") == 0
        assert [r.status for r in sink.records] == [302, 302]


async def test_content_length_over_the_cap_fails_before_reading() -> None:
    big = {"data": [], "padding": "x" * 5000}
    async with (
        loopback_server() as erp,
        started_client(options(response_cap_bytes=1024)) as (
            client,
            sink,
        ),
    ):
        url = erp.route("/orders", answer_json(big))

        with pytest.raises(ErpContractError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert (caught.value.human, caught.value.kind) == ("Answer was larger than 1 KB", "oversized")
    [record] = sink.records
    assert (record.status, record.response_body, record.response_truncated) == (200, b"", True)


async def test_chunked_body_over_the_cap_is_cut_while_reading() -> None:
    async with (
        loopback_server() as erp,
        started_client(options(response_cap_bytes=1024)) as (
            client,
            sink,
        ),
    ):
        url = erp.route("/orders", slow_drip(interval=0, drops=5000))

        with pytest.raises(ErpContractError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert caught.value.kind == "oversized"
    [record] = sink.records
    assert "Content-Length" not in dict(record.response_headers)
    assert len(record.response_body) == 1024
    assert record.response_body.startswith(b'{"data": [ ')
    assert record.response_truncated is True


async def test_slow_drip_body_is_cut_at_the_deadline() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", slow_drip(interval=0.05))

        with pytest.raises(ErpTimeoutError) as caught:
            await client.call(
                target(url, timeout=0.5),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert (caught.value.human, caught.value.kind) == ("ERP did not answer within 0.5 s", "timeout")
    [record] = sink.records
    assert record.status == 200
    assert record.error == "ERP did not answer within 0.5 s"
