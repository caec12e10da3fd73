"""Start-up and shut-down of the outcome writer: the ERP gateway's sink for this process."""

from __future__ import annotations

from erpgate.config import Settings
from erpgate.db.engine import SessionFactory
from erpgate.erp.outcome import NullSink
from erpgate.kit.clock import Clock
from erpgate.outcomes.answers import SavedAnswers
from erpgate.outcomes.writer import OutcomeWriter, WriterSettings
from erpgate.problem.board import ProblemBoard
from erpgate.problem.service import ProblemPolicy
from erpgate.web.state import AppState

OUTCOME_WRITER = "outcome_writer"


def writer_settings(settings: Settings) -> WriterSettings:
    return WriterSettings(
        queue_size=settings.request_queue_size,
        body_cap=settings.request_body_cap_bytes,
        success_sample_rate=settings.event_success_sample_rate,
        success_requests_sample_rate=settings.success_requests_sample_rate,
        flush_seconds=settings.writer_flush_seconds,
        stale_horizon_seconds=settings.stale_index_hours * 3600,
        policy=ProblemPolicy.from_settings(settings),
    )


def outcome_writer(state: AppState) -> OutcomeWriter:
    writer: OutcomeWriter = state.services[OUTCOME_WRITER]
    return writer


def saved_answers(state: AppState) -> SavedAnswers:
    return outcome_writer(state).answers


def build_writer(
    settings: Settings, session_factory: SessionFactory, clock: Clock
) -> OutcomeWriter:
    """The outcome writer of a process (web app or worker); ``open()`` it before use."""
    return OutcomeWriter(
        session_factory,
        writer_settings(settings),
        clock,
        board=ProblemBoard(resolve_after_successes=settings.problem_resolve_after_successes),
        answers=SavedAnswers(
            session_factory, save_interval_seconds=settings.stale_save_interval_seconds
        ),
    )


async def startup(state: AppState) -> None:
    writer = build_writer(state.settings, state.session_factory, state.clock)
    await writer.open()
    state.services[OUTCOME_WRITER] = writer
    state.gateway.sink = writer


async def shutdown(state: AppState) -> None:
    writer: OutcomeWriter | None = state.services.pop(OUTCOME_WRITER, None)
    if writer is not None:
        # Calls still finishing (there should be none: the server has stopped) keep nothing.
        state.gateway.sink = NullSink()
        await writer.close()
