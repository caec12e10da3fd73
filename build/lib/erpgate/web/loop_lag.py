"""How late the event loop runs: the wait every request of this process shares.

A task asks to sleep ``INTERVAL`` seconds over and over and records how much later than asked it
wakes. While some step holds the loop (CPU work, a blocking call), every other request of the
process waits just as long, so the lag is exported to Prometheus
(``erpgate_event_loop_lag_seconds``) and stalls over ``STALL_SECONDS`` are logged, at most one
line per ``LOG_EVERY_SECONDS`` so a saturated process does not flood its log.
"""

from __future__ import annotations

import asyncio

from prometheus_client import Histogram

from erpgate.kit.tasks import cancel_and_wait
from erpgate.logging import get_logger

log = get_logger(__name__)

INTERVAL = 0.1
STALL_SECONDS = 0.1
LOG_EVERY_SECONDS = 10.0

LOOP_LAG = Histogram(
    "erpgate_event_loop_lag_seconds",
    "How much later than asked the event loop woke a sleeping task (what every request waited)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


class LoopLagMonitor:
    def __init__(self, *, interval: float = INTERVAL, stall_seconds: float = STALL_SECONDS) -> None:
        self.interval = interval
        self.stall_seconds = stall_seconds
        self._task: asyncio.Task[None] | None = None
        self._stalls = 0  # stalls since the last log line
        self._longest = 0.0
        self._last_logged = float("-inf")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="erpgate-loop-lag")

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.interval)
            woke = loop.time()
            self.observe(woke - asked - self.interval, now=woke)

    def observe(self, lag: float, *, now: float) -> None:
        lag = max(lag, 0.0)
        LOOP_LAG.observe(lag)
        if lag < self.stall_seconds:
            return
        self._stalls += 1
        self._longest = max(self._longest, lag)
        if now - self._last_logged >= LOG_EVERY_SECONDS:
            log.warning(
                "event_loop_stalled",
                longest_ms=round(self._longest * 1000, 1),
                stalls=self._stalls,
                hint="a step held the event loop; every request of this process waited",
            )
            self._stalls, self._longest, self._last_logged = 0, 0.0, now
