"""The shared-answer window: identical calls finishing close together share one ERP answer."""

from __future__ import annotations

import asyncio

import pytest
from tests.erp.loopback import (
    PAYLOAD,
    ROW,
    TRACE_ID,
    ListAnswer,
    answer_json,
    answer_status,
    loopback_server,
    options,
    started_client,
    target,
)

from erpgate.erp.errors import ErpRejectedError
from erpgate.kit.coalesce import Coalescer

OK = answer_json({"data": [ROW]})


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting_work(answers: list[object]) -> tuple[list[int], object]:
    made = [0]

    async def work() -> object:
        made[0] += 1
        answer = answers[min(made[0] - 1, len(answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return made, work


async def test_identical_calls_within_the_window_make_one_call() -> None:
    clock = FakeMonotonic()
    coalescer: Coalescer[object] = Coalescer(1.0, monotonic=clock)
    made, work = counting_work(["first", "second"])
    assert await coalescer.run("k", work) == "first"  # type: ignore[arg-type]
    clock.now += 0.999
    assert await coalescer.run("k", work) == "first"  # type: ignore[arg-type]
    assert made == [1]


async def test_a_call_after_the_window_asks_again() -> None:
    clock = FakeMonotonic()
    coalescer: Coalescer[object] = Coalescer(1.0, monotonic=clock)
    made, work = counting_work(["first", "second"])
    assert await coalescer.run("k", work) == "first"  # type: ignore[arg-type]
    clock.now += 1.0
    assert await coalescer.run("k", work) == "second"  # type: ignore[arg-type]
    assert made == [2]


async def test_window_zero_shares_only_calls_in_flight() -> None:
    coalescer: Coalescer[object] = Coalescer(0.0)
    made, work = counting_work(["first", "second"])
    assert await coalescer.run("k", work) == "first"  # type: ignore[arg-type]
    assert await coalescer.run("k", work) == "second"  # type: ignore[arg-type]
    assert made == [2]


async def test_a_failure_is_not_shared_after_it_completed() -> None:
    clock = FakeMonotonic()
    coalescer: Coalescer[object] = Coalescer(1.0, monotonic=clock)
    made, work = counting_work([ErpRejectedError("no", status=500), "recovered"])
    with pytest.raises(ErpRejectedError):
        await coalescer.run("k", work)  # type: ignore[arg-type]
    assert await coalescer.run("k", work) == "recovered"  # type: ignore[arg-type]
    assert made == [2]


async def test_client_shares_an_answer_between_identical_calls_in_the_window() -> None:
    async with (
        loopback_server() as erp,
        started_client(options(share_window_seconds=60.0)) as (client, sink),
    ):
        t = target(erp.route("/orders", OK))
        first = await client.call(
            t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code="C0004935"
        )
        second = await client.call(
            t, dict(PAYLOAD), ListAnswer, trace_id=TRACE_ID, expected_customer_code="C0004935"
        )
    assert erp.hits("/orders") == 1
    assert second is first
    assert len(sink.records) == 1


async def test_client_does_not_share_between_customers() -> None:
    async with (
        loopback_server() as erp,
        started_client(options(share_window_seconds=60.0)) as (client, _),
    ):
        t = target(erp.route("/orders", answer_json({"data": [ROW]})))
        await client.call(t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None)
        other = dict(PAYLOAD, customer_code="C010268")
        await client.call(t, other, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None)
    assert erp.hits("/orders") == 2
    assert [seen.body.count(b"C010268") for seen in erp.requests_to("/orders")] == [0, 1]


async def test_client_does_not_share_a_failed_answer() -> None:
    async with (
        loopback_server() as erp,
        started_client(options(share_window_seconds=60.0)) as (client, _),
    ):
        t = target(erp.route("/orders", answer_status(500), OK))
        with pytest.raises(ErpRejectedError):
            await client.call(
                t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )
        answer = await client.call(
            t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
        )
    assert erp.hits("/orders") == 2
    assert [row.order_id for row in answer.data] == ["SO-1"]


async def test_concurrent_and_later_identical_calls_make_one_call() -> None:
    async with (
        loopback_server() as erp,
        started_client(options(share_window_seconds=60.0)) as (client, _),
    ):
        t = target(erp.route("/orders", OK))

        async def one() -> ListAnswer:
            return await client.call(
                t, PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )

        burst = await asyncio.gather(*(one() for _ in range(50)))
        later = await one()
    assert erp.hits("/orders") == 1
    assert all(answer is later for answer in burst)
