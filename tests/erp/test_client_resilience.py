"""Retry, circuit breaker and coalescing, against real loopback servers."""

from __future__ import annotations

import asyncio
import socket
from typing import Any
from uuid import UUID

import pytest
from tests.erp.loopback import (
    PAYLOAD,
    ROW,
    TRACE_ID,
    ListAnswer,
    OneAnswer,
    answer_after,
    answer_json,
    answer_reset,
    answer_status,
    loopback_server,
    options,
    started_client,
    target,
)

from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import (
    ErpBreakerOpenError,
    ErpContractError,
    ErpNotFoundError,
    ErpRejectedError,
    ErpServerStatusError,
    ErpUnreachableError,
)

OK = answer_json({"data": [ROW]})
STORE = UUID("00000000-0000-4000-8000-000000000001")
OTHER_STORE = UUID("00000000-0000-4000-8000-000000000002")


async def test_503_is_retried_once_then_succeeds() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_status(503), OK)

        result = await client.call(
            target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
        )

    assert result.data[0].order_id == "SO-1"
    assert [(r.status, r.attempt, r.error) for r in sink.records] == [
        (503, 1, "ERP answered 503 Service Unavailable"),
        (200, 2, None),
    ]
    assert sink.records[0].request_id != sink.records[1].request_id
    assert client.erp_calls_made == 2


async def test_a_second_503_is_not_retried_again() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_status(503))

        with pytest.raises(ErpUnreachableError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert caught.value.kind == "unavailable"
    assert [r.attempt for r in sink.records] == [1, 2]
    assert erp.hits("/orders") == 2


async def test_500_is_not_retried() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_status(500), OK)

        with pytest.raises(ErpRejectedError):
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert len(sink.records) == 1
    assert erp.hits("/orders") == 1


async def test_429_with_retry_after_zero_is_retried() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_status(429, **{"Retry-After": "0"}), OK)

        await client.call(
            target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
        )

    assert [r.status for r in sink.records] == [429, 200]


async def test_429_with_retry_after_past_the_deadline_is_not_retried() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_status(429, **{"Retry-After": "60"}), OK)

        with pytest.raises(ErpUnreachableError) as caught:
            await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

    assert caught.value.kind == "rate_limited"
    assert caught.value.retry_after == 60.0
    assert caught.value.human == "ERP asked us to slow down (429 Too Many Requests)"
    assert [r.status for r in sink.records] == [429]


async def test_reset_connection_is_retried_once() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_reset(), OK)

        await client.call(
            target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
        )

    assert [(r.status, r.error) for r in sink.records] == [
        (None, "ERP closed the connection before the answer was complete"),
        (200, None),
    ]


async def test_refused_connection_is_retried_once_then_reported() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with started_client() as (client, sink):
        with pytest.raises(ErpUnreachableError) as caught:
            await client.call(
                target(f"http://127.0.0.1:{port}/orders"),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert caught.value.kind == "connect"
    assert caught.value.human.startswith(f"Could not connect to 127.0.0.1:{port}")
    assert len(sink.records) == 2


async def _fail(client: Any, t: Any, customer: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        await client.call(
            t,
            dict(PAYLOAD, customer_code=customer),
            ListAnswer,
            expected_customer_code=None,
            customer=customer,
        )


async def test_breaker_opens_on_a_failure_rate_across_customers_and_then_makes_no_calls() -> None:
    opts = options(breaker_min_calls=4, breaker_min_customers=2, breaker_open_seconds=30)
    async with loopback_server() as erp, started_client(opts) as (client, sink):
        t = target(erp.route("/orders", answer_status(500)), store_id=STORE)
        for customer in ("C1", "C2", "C1"):
            await _fail(client, t, customer, ErpServerStatusError)
        assert client.breaker_state(STORE, Endpoint.ORDERS) == "closed"  # only 3 calls so far
        await _fail(client, t, "C2", ErpServerStatusError)
        assert client.breaker_state(STORE, Endpoint.ORDERS) == "open"
        assert client.breaker_state(OTHER_STORE, Endpoint.ORDERS) == "closed"
        assert client.breaker_state(STORE, Endpoint.INVOICES) == "closed"

        with pytest.raises(ErpBreakerOpenError) as caught:
            await client.call(t, PAYLOAD, ListAnswer, expected_customer_code=None)

        assert caught.value.cause is ErpServerStatusError
        assert caught.value.human.startswith(
            "Calls paused by the circuit breaker after too many ERP failures (status_5xx)"
        )
        assert erp.hits("/orders") == 4
        assert len(sink.records) == 4
        assert client.erp_calls_made == 4

        client.reset_breakers(STORE)
        assert client.breaker_state(STORE, Endpoint.ORDERS) == "closed"
        await _fail(client, t, "C1", ErpServerStatusError)
        assert erp.hits("/orders") == 5


async def test_one_customer_failing_cannot_open_the_breaker_for_everyone() -> None:
    opts = options(breaker_min_calls=4, breaker_min_customers=2)
    async with loopback_server() as erp, started_client(opts) as (client, _):
        t = target(erp.route("/orders", answer_status(500)), store_id=STORE)
        for _ in range(12):
            await _fail(client, t, "C-TRAP", ErpServerStatusError)

    assert client.breaker_state(STORE, Endpoint.ORDERS) == "closed"
    assert erp.hits("/orders") == 12


async def test_a_failure_rate_below_the_threshold_keeps_it_closed() -> None:
    opts = options(breaker_min_calls=4, breaker_min_customers=2, breaker_failure_rate=0.5)
    async with loopback_server() as erp, started_client(opts) as (client, _):
        failing = target(erp.route("/orders", answer_status(500)), store_id=STORE)
        fine = target(erp.route("/orders-ok", OK), store_id=STORE)
        for _ in range(6):
            await client.call(fine, PAYLOAD, ListAnswer, expected_customer_code=None)
        for customer in ("C1", "C2", "C3"):
            await _fail(client, failing, customer, ErpServerStatusError)

    # 3 failures out of 9 calls: a third, under half.
    assert client.breaker_state(STORE, Endpoint.ORDERS) == "closed"


async def test_half_open_lets_exactly_one_probe_through_and_a_success_closes_it() -> None:
    opts = options(breaker_min_calls=2, breaker_min_customers=2, breaker_open_seconds=0.05)
    async with loopback_server() as erp, started_client(opts) as (client, _):
        t = target(
            erp.route("/orders", answer_status(500), answer_status(500), answer_after(0.2, OK)),
            store_id=STORE,
        )
        await _fail(client, t, "C1", ErpServerStatusError)
        await _fail(client, t, "C2", ErpServerStatusError)
        assert client.breaker_state(STORE, Endpoint.ORDERS) == "open"
        await asyncio.sleep(0.1)
        assert client.breaker_state(STORE, Endpoint.ORDERS) == "half-open"

        async def one(customer: str) -> str:
            try:
                await client.call(
                    t,
                    dict(PAYLOAD, customer_code=customer),
                    ListAnswer,
                    expected_customer_code=None,
                    customer=customer,
                )
            except ErpBreakerOpenError:
                return "refused"
            return "answered"

        verdicts = await asyncio.gather(*(one(f"C{n}") for n in range(5)))

        assert sorted(verdicts) == ["answered", "refused", "refused", "refused", "refused"]
        assert erp.hits("/orders") == 3
        assert client.breaker_state(STORE, Endpoint.ORDERS) == "closed"


async def test_not_found_and_contract_errors_do_not_open_the_breaker() -> None:
    opts = options(breaker_min_calls=2, breaker_min_customers=1)
    async with loopback_server() as erp, started_client(opts) as (client, _):
        missing = erp.route("/order", answer_status(404))
        broken = erp.route("/orders", answer_json({"data": "nope"}))
        for _ in range(3):
            with pytest.raises(ErpNotFoundError):
                await client.call(
                    target(missing, Endpoint.ORDER, store_id=STORE),
                    {},
                    OneAnswer,
                    trace_id=TRACE_ID,
                    expected_customer_code=None,
                )
            with pytest.raises(ErpContractError, match="contract"):
                await client.call(
                    target(broken, store_id=STORE),
                    PAYLOAD,
                    ListAnswer,
                    trace_id=TRACE_ID,
                    expected_customer_code=None,
                )

    assert client.breaker_state(STORE, Endpoint.ORDER) == "closed"
    assert client.breaker_state(STORE, Endpoint.ORDERS) == "closed"


async def test_identical_concurrent_calls_share_one_request() -> None:
    async with loopback_server() as erp, started_client() as (client, sink):
        url = erp.route("/orders", answer_after(0.1, OK))
        t = target(url)

        results = await asyncio.gather(
            *(
                client.call(
                    t, dict(PAYLOAD), ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
                )
                for _ in range(200)
            )
        )

    assert erp.hits("/orders") == 1
    assert client.erp_calls_made == 1
    assert len(sink.records) == 1
    assert all(r is results[0] for r in results)
    assert results[0].data[0].order_id == "SO-1"


async def test_coalesced_waiters_share_the_same_failure() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_after(0.05, answer_status(500)))
        t = target(url)

        outcomes = await asyncio.gather(
            *(
                client.call(t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None)
                for _ in range(50)
            ),
            return_exceptions=True,
        )

    assert erp.hits("/orders") == 1
    assert all(isinstance(o, ErpRejectedError) for o in outcomes)
    assert all(o is outcomes[0] for o in outcomes)


async def test_different_payloads_and_coalesce_off_are_separate_requests() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_after(0.05, OK))
        t = target(url)
        calls = [
            client.call(t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None),
            client.call(
                t, dict(PAYLOAD, page=2), ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            ),
            client.call(
                t,
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
                coalesce=False,
            ),
        ]
        await asyncio.gather(*calls)

    assert erp.hits("/orders") == 3


async def test_a_cancelled_waiter_does_not_cancel_the_shared_request() -> None:
    async with loopback_server() as erp, started_client() as (client, _):
        url = erp.route("/orders", answer_after(0.1, OK))
        t = target(url)
        first = asyncio.ensure_future(
            client.call(t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None)
        )
        second = asyncio.ensure_future(
            client.call(t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None)
        )
        await asyncio.sleep(0.02)
        first.cancel()

        result = await second

    assert first.cancelled()
    assert result.data[0].order_id == "SO-1"
    assert erp.hits("/orders") == 1


async def test_attempt_sink_failure_never_reaches_the_caller() -> None:
    class BrokenSink:
        def record(self, attempt: object) -> None:
            raise RuntimeError("disk full")

    async with loopback_server() as erp, started_client() as (client, _):
        client.sink = BrokenSink()
        url = erp.route("/orders", OK)

        result = await client.call(
            target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
        )

    assert result.data[0].order_id == "SO-1"
