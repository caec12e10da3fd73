"""Start-up and shut-down of the events domain: the request writer, the recorder, retention."""

from __future__ import annotations

from erpgate.erp.attempts import NullSink
from erpgate.event.gateway import EVENT_RECORDER
from erpgate.event.recorder import DbEventRecorder
from erpgate.event.retention import RetentionJob
from erpgate.event.writer import RequestWriter
from erpgate.notification.lifecycle import start_loop, stop_loop
from erpgate.notification.service import AlertCache
from erpgate.web.state import AppState

REQUEST_WRITER = "request_writer"
ALERT_CACHE = "alert_cache"
_RETENTION = "retention"


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
    await recorder.open()
    state.services[ALERT_CACHE] = alerts
    state.services[EVENT_RECORDER] = recorder
    if settings.run_worker_in_process:
        job = RetentionJob(state.session_factory, settings, state.clock)
        start_loop(state, _RETENTION, job.run)


async def shutdown(state: AppState) -> None:
    await stop_loop(state, _RETENTION)
    recorder: DbEventRecorder | None = state.services.get(EVENT_RECORDER)
    if recorder is not None:
        await recorder.close()
    writer: RequestWriter | None = state.services.get(REQUEST_WRITER)
    if writer is not None:
        # Later attempts (there should be none: every caller has stopped) go nowhere, not to a
        # closed queue.
        state.erp_client.sink = NullSink()
        await writer.close()
