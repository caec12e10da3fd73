"""Start-up and shut-down of the events domain: the request writer, the recorder, retention."""

from __future__ import annotations

import asyncio
import contextlib

from erpgate.erp.attempts import NullSink
from erpgate.event.gateway import EVENT_RECORDER
from erpgate.event.recorder import DbEventRecorder
from erpgate.event.retention import RetentionJob
from erpgate.event.writer import RequestWriter
from erpgate.notification.service import AlertCache
from erpgate.web.state import AppState

REQUEST_WRITER = "request_writer"
ALERT_CACHE = "alert_cache"
_RETENTION_TASK = "retention_task"
_RETENTION_STOP = "retention_stop"


async def startup(state: AppState) -> None:
    settings = state.settings
    writer = RequestWriter(
        state.session_factory,
        queue_size=settings.request_queue_size,
        body_cap=settings.request_body_cap_bytes,
    )
    writer.start()
    state.erp_client.sink = writer
    state.services[REQUEST_WRITER] = writer
    alerts = AlertCache()
    recorder = DbEventRecorder(state.session_factory, settings, state.clock, alerts)
    await recorder.start()
    state.services[ALERT_CACHE] = alerts
    state.services[EVENT_RECORDER] = recorder
    if settings.run_worker_in_process:
        stop = asyncio.Event()
        job = RetentionJob(state.session_factory, settings, state.clock)
        state.services[_RETENTION_STOP] = stop
        state.services[_RETENTION_TASK] = asyncio.create_task(job.run(stop), name="retention")


async def shutdown(state: AppState) -> None:
    stop: asyncio.Event | None = state.services.pop(_RETENTION_STOP, None)
    task: asyncio.Task[None] | None = state.services.pop(_RETENTION_TASK, None)
    if stop is not None:
        stop.set()
    if task is not None:
        try:
            await asyncio.wait_for(task, timeout=30)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    recorder: DbEventRecorder | None = state.services.get(EVENT_RECORDER)
    if recorder is not None:
        await recorder.close()
    writer: RequestWriter | None = state.services.get(REQUEST_WRITER)
    if writer is not None:
        # Later attempts (there should be none: every caller has stopped) go nowhere, not to a
        # closed queue.
        state.erp_client.sink = NullSink()
        await writer.close()
