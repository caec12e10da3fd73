"""Start-up and shut-down of the events domain: the retention job (when the worker runs here)."""

from __future__ import annotations

from erpgate.event.retention import RetentionJob
from erpgate.notification.lifecycle import start_loop, stop_loop
from erpgate.web.state import AppState

_RETENTION = "retention"


async def startup(state: AppState) -> None:
    if state.settings.run_worker_in_process:
        job = RetentionJob(state.session_factory, state.settings, state.clock)
        start_loop(state, _RETENTION, job.run)


async def shutdown(state: AppState) -> None:
    await stop_loop(state, _RETENTION)
