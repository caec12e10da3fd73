"""The event recorder behind ``gateway.call_erp``.

Failures are written before the caller continues, in their own short transaction together with
the notification decision: a rollback of the buyer's request cannot erase them, and the e-mail
exists exactly when its event does. Successes and not-founds are sampled and batched. Calls an
admin made (replay, integration test) are written at once so the page can link to them.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

from erpgate.config import Settings
from erpgate.db.engine import SessionFactory, transaction
from erpgate.event import repository
from erpgate.event.batching import BatchWriter, QueuedWrites
from erpgate.event.gateway import CallRecord
from erpgate.kit.clock import Clock
from erpgate.kit.tasks import cancel_and_wait
from erpgate.logging import get_logger
from erpgate.notification import service as notification_service
from erpgate.notification.service import AlertCache, ErrorOccurrence

log = get_logger(__name__)
WRITE_AT_ONCE_SOURCES = frozenset({"replay", "admin test"})
ALERT_REFRESH_SECONDS = 30.0


def event_row(call: CallRecord, event_id: uuid.UUID | None = None) -> dict[str, Any]:
    actor = call.actor
    return {
        "id": event_id or uuid.uuid4(),
        "store_id": call.store_id,
        "type": call.event_type,
        "outcome": call.outcome,
        "source": actor.source,
        "occurred_at": call.occurred_at,
        "trace_id": call.trace_id,
        "endpoint": call.endpoint.value,
        "customer_code": actor.customer_code,
        "user_id": actor.user_id,
        "customer_account_id": actor.customer_account_id,
        "impersonator_admin_id": actor.impersonator_admin_id,
        "error": call.error,
        "error_kind": call.error_kind,
        "duration_ms": call.duration_ms,
        "data": call.event_data(),
    }


class DbEventRecorder(QueuedWrites[dict[str, Any]]):
    """Writes success events in batches (sampled) and error events at once, with the e-mail
    decision, before the buyer gets the reference."""

    def __init__(
        self,
        session_factory: SessionFactory,
        settings: Settings,
        clock: Clock,
        alerts: AlertCache,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.alerts = alerts
        self._rng = rng or random.Random()
        self.batches: BatchWriter[dict[str, Any]] = BatchWriter(
            "event", self._write, maxsize=settings.request_queue_size
        )
        self.failures_lost = 0
        self._refresh_task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Load the alert throttle state, then start the batch writer and the alert refresh."""
        async with self.session_factory() as db:
            await self.alerts.refresh(db)
        self.start()
        self._refresh_task = asyncio.create_task(self._refresh_alerts(), name="alert-refresh")

    async def close(self) -> None:
        await cancel_and_wait(self._refresh_task)
        self._refresh_task = None
        await super().close()

    async def record(self, call: CallRecord) -> None:
        if call.outcome == "error":
            await self._record_failure(call)
            return
        if call.actor.source in WRITE_AT_ONCE_SOURCES:
            await self._write_now(call)
        elif self._sampled():
            self.batches.put(event_row(call))
        if self.alerts.is_alerted(call.store_id, call.endpoint.value):
            await self._recover(call)

    def _sampled(self) -> bool:
        rate = self.settings.event_success_sample_rate
        return rate >= 1.0 or self._rng.random() < rate

    async def _record_failure(self, call: CallRecord) -> None:
        event_id = uuid.uuid4()
        # Two processes can create the same alert row at once; the loser retries and finds it.
        for attempt in (1, 2):
            try:
                async with transaction(self.session_factory) as db:
                    await repository.insert_events(db, [event_row(call, event_id)])
                    await notification_service.on_integration_error(
                        db,
                        ErrorOccurrence(
                            store_id=call.store_id,
                            event_id=event_id,
                            endpoint=call.endpoint,
                            event_type=call.event_type,
                            error=call.error,
                            error_kind=call.error_kind or "erp_error",
                            customer_code=call.actor.customer_code,
                            trace_id=call.trace_id,
                            occurred_at=call.occurred_at,
                        ),
                        now=self.clock.now(),
                        throttle_minutes=self.settings.notify_throttle_minutes,
                        public_url=self.settings.public_url,
                        cache=self.alerts,
                    )
                return
            except IntegrityError:
                if attempt == 1:
                    continue
                self.failures_lost += 1
                log.exception("error_event_not_written", trace_id=call.trace_id)
                return
            except Exception:
                # The buyer still gets the reference code; losing the record is logged loudly.
                self.failures_lost += 1
                log.exception("error_event_not_written", trace_id=call.trace_id)
                return

    async def _write_now(self, call: CallRecord) -> None:
        try:
            async with transaction(self.session_factory) as db:
                await repository.insert_events(db, [event_row(call)])
        except Exception:
            log.exception("event_not_written", trace_id=call.trace_id)

    async def _recover(self, call: CallRecord) -> None:
        try:
            async with transaction(self.session_factory) as db:
                await notification_service.on_integration_success(
                    db, call.store_id, call.endpoint, now=self.clock.now(), cache=self.alerts
                )
        except Exception:
            log.exception("recovery_check_failed", trace_id=call.trace_id)

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        async with transaction(self.session_factory) as db:
            await repository.insert_events(db, rows)

    async def _refresh_alerts(self) -> None:
        while True:
            await asyncio.sleep(ALERT_REFRESH_SECONDS)
            try:
                async with self.session_factory() as db:
                    await self.alerts.refresh(db)
            except Exception:
                log.exception("alert_cache_refresh_failed")
