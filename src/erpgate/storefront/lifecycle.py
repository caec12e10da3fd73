"""Start-up and shut-down of the storefront: the background saver of stale-fallback answers."""

from __future__ import annotations

from erpgate.storefront.answers import ANSWER_SAVER, AnswerSaver
from erpgate.web.state import AppState


async def startup(state: AppState) -> None:
    saver = AnswerSaver(
        state.session_factory,
        interval_seconds=state.settings.stale_save_interval_seconds,
        queue_size=state.settings.request_queue_size,
    )
    saver.start()
    state.services[ANSWER_SAVER] = saver


async def shutdown(state: AppState) -> None:
    saver: AnswerSaver | None = state.services.pop(ANSWER_SAVER, None)
    if saver is not None:
        await saver.close()
