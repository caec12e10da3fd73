"""Coalescing: identical concurrent calls share one in-flight piece of work — an ERP request (the
gateway), a buyer's session look-up (the storefront) — and, within a short window after it
succeeded, its answer.

The shared work runs in its own task, and every caller (the first included) waits on it through
``asyncio.shield``: a buyer who goes away cancels only their own wait, never the request the
others are waiting on. Every waiter gets the same result object or the same exception; results
are shared, so callers must treat them as read-only.

In-flight sharing alone only merges calls that overlap in time: 200 buyers asking the same thing
"at once" still make many calls when the ERP answers in a millisecond. With ``share_window``
seconds > 0 a *successful* answer is also handed to identical calls that start within that
window after it completed. Failures are never kept: the next call asks the ERP again (an
exception, or a result that ``keep`` says is not worth sharing, such as a failed outcome).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

MAX_SHARED_ANSWERS = 10_000  # bounds memory when every request differs (pagination, searches)


class Coalescer(Generic[T]):
    def __init__(
        self,
        share_window: float = 0.0,
        *,
        keep: Callable[[T], bool] = lambda _result: True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.share_window = share_window
        self._keep = keep
        self._monotonic = monotonic
        self._in_flight: dict[Hashable, asyncio.Task[Any]] = {}
        # key -> (completed at, answer), in completion order so expiry pops from the front.
        self._recent: dict[Hashable, tuple[float, Any]] = {}

    def __len__(self) -> int:
        return len(self._in_flight)

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        if self.share_window > 0:
            shared = self._recent_answer(key)
            if shared is not None:
                answer: T = shared[1]
                return answer
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._in_flight[key] = task
            task.add_done_callback(lambda done: self._finish(key, done))
            # Retrieve the exception even if every waiter was cancelled, so asyncio does not log
            # "exception was never retrieved" for a failure nobody is left to see.
            task.add_done_callback(_consume_exception)
        result: T = await asyncio.shield(task)
        return result

    def _recent_answer(self, key: Hashable) -> tuple[float, Any] | None:
        now = self._monotonic()
        self._expire(now)
        entry = self._recent.get(key)
        if entry is None or now - entry[0] >= self.share_window:
            return None
        return entry

    def _expire(self, now: float) -> None:
        while self._recent:
            oldest = next(iter(self._recent))
            if now - self._recent[oldest][0] < self.share_window:
                return
            del self._recent[oldest]

    def _finish(self, key: Hashable, done: asyncio.Task[Any]) -> None:
        if self._in_flight.get(key) is done:
            del self._in_flight[key]
        if self.share_window <= 0 or done.cancelled() or done.exception() is not None:
            return
        if not self._keep(done.result()):
            return
        self._recent.pop(key, None)
        while len(self._recent) >= MAX_SHARED_ANSWERS:
            del self._recent[next(iter(self._recent))]
        self._recent[key] = (self._monotonic(), done.result())


def _consume_exception(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
