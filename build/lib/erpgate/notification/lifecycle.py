"""In-process outbox worker (the default); `erpgate worker` runs the same loop elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine

from erpgate.kit.tasks import cancel_and_wait
from erpgate.notification.backends import backend_from_settings
from erpgate.notification.webhooks import webhook_delivery
from erpgate.notification.worker import OutboxWorker
from erpgate.web.state import AppState

OUTBOX_WORKER = "outbox_worker"
_LOOP = "outbox-worker"  # the task's name, and its keys in state.services

# How long a loop may take to finish its current round after being asked to stop.
STOP_GRACE_SECONDS = 30


def start_loop(
    state: AppState, name: str, run: Callable[[asyncio.Event], Coroutine[object, object, None]]
) -> None:
    """Run ``run(stop)`` as a task of this process; `stop_loop(state, name)` ends it."""
    stop = asyncio.Event()
    state.services[f"{name}_stop"] = stop
    state.services[f"{name}_task"] = asyncio.create_task(run(stop), name=name)


async def stop_loop(state: AppState, name: str) -> None:
    """Ask a loop started by `start_loop` to stop; cancel it if it has not within the grace time."""
    stop: asyncio.Event | None = state.services.pop(f"{name}_stop", None)
    task: asyncio.Task[None] | None = state.services.pop(f"{name}_task", None)
    if stop is not None:
        stop.set()
    if task is not None:
        try:
            await asyncio.wait_for(task, timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            await cancel_and_wait(task)


async def startup(state: AppState) -> None:
    worker = OutboxWorker(
        state.engine,
        state.session_factory,
        backend_from_settings(state.settings),
        state.clock,
        webhooks=webhook_delivery(state.settings),
    )
    state.services[OUTBOX_WORKER] = worker
    if state.settings.run_worker_in_process:
        poll_seconds = state.settings.worker_poll_seconds
        start_loop(state, _LOOP, lambda stop: worker.run(stop, poll_seconds))


async def shutdown(state: AppState) -> None:
    await stop_loop(state, _LOOP)
    worker: OutboxWorker | None = state.services.pop(OUTBOX_WORKER, None)
    if worker is not None and worker.webhooks is not None:
        await worker.webhooks.sender.close()
