"""In-process delivery worker (the default); `erpgate worker` runs the same loop elsewhere."""

from __future__ import annotations

from erpgate.delivery.worker import DeliveryWorker
from erpgate.notification.lifecycle import start_loop, stop_loop
from erpgate.web.state import AppState

DELIVERY_WORKER = "delivery_worker"
_LOOP = "delivery-worker"


def delivery_worker(state: AppState) -> DeliveryWorker | None:
    """This process's worker, when it runs one (to wake it after an order is placed)."""
    worker: DeliveryWorker | None = state.services.get(DELIVERY_WORKER)
    return worker


async def startup(state: AppState) -> None:
    if not state.settings.run_worker_in_process:
        return
    worker = DeliveryWorker(
        state.engine, state.session_factory, state.gateway, state.secret_box, state.clock
    )
    state.services[DELIVERY_WORKER] = worker
    poll_seconds = state.settings.worker_poll_seconds
    start_loop(state, _LOOP, lambda stop: worker.run(stop, poll_seconds))


async def shutdown(state: AppState) -> None:
    await stop_loop(state, _LOOP)
    state.services.pop(DELIVERY_WORKER, None)
