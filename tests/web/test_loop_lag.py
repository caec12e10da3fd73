"""The event-loop lag monitor: a step that holds the loop is measured, exported and logged."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from prometheus_client import REGISTRY, generate_latest

from erpgate.web import loop_lag
from erpgate.web.loop_lag import LoopLagMonitor


class FakeLog:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))


@pytest.fixture
def fake_log(monkeypatch: pytest.MonkeyPatch) -> FakeLog:
    fake = FakeLog()
    monkeypatch.setattr(loop_lag, "log", fake)
    return fake


def _lags_over_a_quarter_second() -> float:
    bucket = "erpgate_event_loop_lag_seconds_bucket"
    every = REGISTRY.get_sample_value(bucket, {"le": "+Inf"}) or 0.0
    quick = REGISTRY.get_sample_value(bucket, {"le": "0.25"}) or 0.0
    return every - quick


async def test_a_step_that_holds_the_loop_is_measured_and_logged(fake_log: FakeLog) -> None:
    before = _lags_over_a_quarter_second()
    monitor = LoopLagMonitor(interval=0.01)
    monitor.start()
    await asyncio.sleep(0.05)
    time.sleep(0.4)  # a blocking call on the loop, as the monitor exists to catch
    await asyncio.sleep(0.05)
    await monitor.close()

    # At least: a busy test machine may add a stall of its own.
    assert _lags_over_a_quarter_second() >= before + 1
    assert [event for event, _fields in fake_log.lines] == ["event_loop_stalled"]
    assert b"erpgate_event_loop_lag_seconds_bucket" in generate_latest()


def test_stalls_are_logged_at_most_once_per_interval_with_what_was_held_back(
    fake_log: FakeLog,
) -> None:
    monitor = LoopLagMonitor()
    monitor.observe(0.2, now=100.0)
    monitor.observe(0.5, now=101.0)
    monitor.observe(0.15, now=105.0)
    monitor.observe(0.01, now=109.0)  # not a stall: counted in the histogram only
    monitor.observe(0.3, now=110.5)
    monitor.observe(-0.001, now=130.0)  # woken a hair early: no lag, nothing logged

    assert [fields["stalls"] for _event, fields in fake_log.lines] == [1, 3]
    assert [fields["longest_ms"] for _event, fields in fake_log.lines] == [200.0, 500.0]
