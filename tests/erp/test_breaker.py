"""The failure-rate breaker's state machine, on a hand-driven clock (no I/O)."""

from __future__ import annotations

import pytest

from erpgate.erp.breaker import Breaker, BreakerPolicy
from erpgate.erp.errors import (
    ErpBusyError,
    ErpClientStatusError,
    ErpContractError,
    ErpCrossCustomerError,
    ErpError,
    ErpNotFoundError,
    ErpServerStatusError,
    ErpTimeoutError,
    ErpUnauthorizedError,
    error_classes,
)

POLICY = BreakerPolicy(
    window_seconds=60, min_calls=4, failure_rate=0.5, min_customers=2, open_seconds=30
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(breaker: Breaker, customer: str, error: ErpError | None = None) -> None:
    assert breaker.admit()
    breaker.record(error or ErpTimeoutError("slow"), customer)


def test_opens_only_with_enough_calls_rate_and_customers() -> None:
    clock = Clock()
    breaker = Breaker(POLICY, clock)
    fail(breaker, "C1")
    fail(breaker, "C1")
    fail(breaker, "C1")
    assert breaker.state == "closed"  # three calls: under min_calls
    fail(breaker, "C1")
    assert breaker.state == "closed"  # four, all failed, but one customer
    fail(breaker, "C2")

    assert breaker.state == "open"
    assert not breaker.admit()
    assert breaker.refusal().cause is ErpTimeoutError


def test_failures_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    breaker = Breaker(POLICY, clock)
    for customer in ("C1", "C2", "C3"):
        fail(breaker, customer)
    clock.now += 61
    fail(breaker, "C4")

    assert breaker.state == "closed"  # the first three left the window


def test_answers_and_final_4xx_count_as_calls_not_failures() -> None:
    clock = Clock()
    breaker = Breaker(POLICY, clock)
    for customer in ("C1", "C2", "C3", "C4"):
        fail(breaker, customer, ErpClientStatusError("404", status=404))
        fail(breaker, customer, ErpContractError("broken"))
        assert breaker.admit()
        breaker.record(None, customer)

    assert breaker.state == "closed"


def test_half_open_admits_one_probe_whose_failure_opens_it_again() -> None:
    clock = Clock()
    breaker = Breaker(POLICY, clock)
    for customer in ("C1", "C2", "C1", "C2"):
        fail(breaker, customer)
    assert breaker.state == "open"
    clock.now += 30

    assert breaker.state == "half-open"
    assert breaker.admit()  # the probe
    assert not breaker.admit()  # everyone else while it runs
    breaker.record(ErpBusyError("503", status=503), "C1")
    assert breaker.state == "open"
    clock.now += 30
    assert breaker.admit()
    breaker.record(None, "C1")
    assert breaker.state == "closed"
    assert breaker.admit()


def test_an_abandoned_probe_frees_the_slot() -> None:
    clock = Clock()
    breaker = Breaker(POLICY, clock)
    for customer in ("C1", "C2", "C1", "C2"):
        fail(breaker, customer)
    clock.now += 31
    assert breaker.admit()
    breaker.abandon()

    assert breaker.admit()


@pytest.mark.parametrize(
    ("error", "counts"),
    [
        (ErpTimeoutError("t"), True),
        (ErpBusyError("503", status=503), True),
        (ErpServerStatusError("500", status=500), True),
        (ErpUnauthorizedError("401", status=401), False),
        (ErpClientStatusError("404", status=404), False),
        (ErpContractError("c"), False),
        (ErpCrossCustomerError("x"), False),
        (ErpNotFoundError("n"), False),
    ],
)
def test_only_the_erps_own_failures_count(error: ErpError, counts: bool) -> None:
    assert error.counts_for_breaker is counts


def test_every_error_class_has_its_own_kind() -> None:
    kinds = [cls.kind for cls in error_classes()]
    assert len(kinds) == len(set(kinds))
