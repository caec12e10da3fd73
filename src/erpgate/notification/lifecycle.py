"""In-process outbox worker (the default); `erpgate worker` runs the same loop elsewhere."""

from __future__ import annotations

import asyncio
import contextlib

from erpgate.notification.backends import backend_from_settings
from erpgate.notification.worker import OutboxWorker
from erpgate.web.state import AppState

OUTBOX_WORKER = "outbox_worker"
_TASK = "outbox_worker_task"
_STOP = "outbox_worker_stop"


async def startup(state: AppState) -> None:
    worker = OutboxWorker(
        state.engine, state.session_factory, backend_from_settings(state.settings), state.clock
    )
    state.services[OUTBOX_WORKER] = worker
    if not state.settings.run_worker_in_process:
        return
    stop = asyncio.Event()
    state.services[_STOP] = stop
    state.services[_TASK] = asyncio.create_task(
        worker.run(stop, state.settings.worker_poll_seconds), name="outbox-worker"
    )


async def shutdown(state: AppState) -> None:
    stop: asyncio.Event | None = state.services.pop(_STOP, None)
    task: asyncio.Task[None] | None = state.services.pop(_TASK, None)
    if stop is not None:
        stop.set()
    if task is not None:
        try:
            await asyncio.wait_for(task, timeout=30)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
