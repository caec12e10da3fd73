"""A bounded queue drained in batches by one background task.

``put`` never waits: when the queue is full the item is dropped and counted (and the counter is
shown in the admin and exported to Prometheus), because the buyer's request must never wait on
storage. The drain task writes up to ``batch_size`` items per INSERT, at most ``max_wait`` after
the first one arrived, and ``close`` writes whatever is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from prometheus_client import Counter

from erpgate.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

DROPPED = Counter(
    "erpgate_records_dropped_total",
    "Event and related-request records dropped because the write queue was full",
    ["kind"],
)
WRITE_FAILED = Counter(
    "erpgate_records_write_failed_total",
    "Event and related-request records lost because their batch could not be written",
    ["kind"],
)


class BatchWriter(Generic[T]):
    def __init__(
        self,
        kind: str,
        write: Callable[[list[T]], Awaitable[None]],
        *,
        maxsize: int,
        batch_size: int = 200,
        max_wait: float = 0.2,
    ) -> None:
        self.kind = kind
        self._write = write
        self._queue: asyncio.Queue[T] = asyncio.Queue(maxsize=maxsize)
        self.batch_size = batch_size
        self.max_wait = max_wait
        self.dropped = 0
        self.failed = 0
        self.written = 0
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.kind}-writer")

    def put(self, item: T) -> bool:
        if self._closing:
            self._count_drop()
            return False
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self._count_drop()
            return False
        return True

    def _count_drop(self) -> None:
        self.dropped += 1
        DROPPED.labels(self.kind).inc()
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.warning("records_dropped", kind=self.kind, dropped=self.dropped)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def flush(self) -> None:
        """Wait until everything queued so far is written (tests and shutdown)."""
        await self._queue.join()

    async def close(self) -> None:
        self._closing = True
        if self._task is None:
            # Never started: write what is there ourselves.
            while not self._queue.empty():
                await self._write_batch(self._take_ready(self.batch_size))
            return
        await self._task
        self._task = None

    def _take_ready(self, limit: int) -> list[T]:
        batch: list[T] = []
        while len(batch) < limit:
            try:
                batch.append(self._queue.get_nowait())
            except asyncio.QueueEmpty:
                break
        return batch

    async def _next_batch(self) -> list[T]:
        loop = asyncio.get_running_loop()
        try:
            first = await asyncio.wait_for(self._queue.get(), timeout=self.max_wait)
        except TimeoutError:
            return []
        batch = [first]
        deadline = loop.time() + self.max_wait
        while len(batch) < self.batch_size:
            batch.extend(self._take_ready(self.batch_size - len(batch)))
            remaining = deadline - loop.time()
            if len(batch) >= self.batch_size or remaining <= 0 or self._closing:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), timeout=remaining))
            except TimeoutError:
                break
        return batch

    async def _write_batch(self, batch: list[T]) -> None:
        if not batch:
            return
        try:
            await self._write(batch)
            self.written += len(batch)
        except Exception:
            self.failed += len(batch)
            WRITE_FAILED.labels(self.kind).inc(len(batch))
            log.exception("record_batch_failed", kind=self.kind, size=len(batch))
        finally:
            for _ in batch:
                self._queue.task_done()

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            if batch:
                # Shielded so a cancelled task still finishes the INSERT it started.
                await asyncio.shield(self._write_batch(batch))
            elif self._closing and self._queue.empty():
                return


class QueuedWrites(Generic[T]):
    """Base of the writers that own one ``BatchWriter`` (``self.batches``): starting, flushing,
    closing and the drop count are the writer's."""

    batches: BatchWriter[T]

    def start(self) -> None:
        self.batches.start()

    async def flush(self) -> None:
        await self.batches.flush()

    async def close(self) -> None:
        await self.batches.close()

    @property
    def dropped(self) -> int:
        return self.batches.dropped
