"""Coalescing: identical concurrent calls share one in-flight ERP request.

The shared work runs in its own task, and every caller (the first included) waits on it through
``asyncio.shield``: a buyer who goes away cancels only their own wait, never the request the
others are waiting on. Every waiter gets the same result object or the same exception; results
are shared, so callers must treat them as read-only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Coalescer(Generic[T]):
    def __init__(self) -> None:
        self._in_flight: dict[Hashable, asyncio.Task[Any]] = {}

    def __len__(self) -> int:
        return len(self._in_flight)

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._in_flight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
            # Retrieve the exception even if every waiter was cancelled, so asyncio does not log
            # "exception was never retrieved" for a failure nobody is left to see.
            task.add_done_callback(_consume_exception)
        result: T = await asyncio.shield(task)
        return result

    def _forget(self, key: Hashable, done: asyncio.Task[Any]) -> None:
        if self._in_flight.get(key) is done:
            del self._in_flight[key]


def _consume_exception(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
