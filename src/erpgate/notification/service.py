"""Deciding which e-mails to queue: throttled error alerts, digests and "recovered" notices.

Called by the event recorder inside the transaction that writes the error event, so the event and
its e-mail are committed (or lost) together, and the worker only sends what was committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.models.alert_state import AlertState
from erpgate.models.notification import Notification
from erpgate.notification import repository
from erpgate.notification.compose import (
    ErrorFacts,
    error_mail,
    is_valid_address,
    message_id_for,
    recovered_mail,
    refuse_newlines,
    split_receivers,
)


class AlertCache:
    """(store, endpoint) pairs with an open alert, so the success path asks the database nothing
    unless an alert is open. Refreshed periodically so alerts raised by other processes show up."""

    def __init__(self) -> None:
        self._alerted: set[tuple[uuid.UUID, str]] = set()

    def is_alerted(self, store_id: uuid.UUID, endpoint: str) -> bool:
        return (store_id, endpoint) in self._alerted

    def mark(self, store_id: uuid.UUID, endpoint: str) -> None:
        self._alerted.add((store_id, endpoint))

    def clear(self, store_id: uuid.UUID, endpoint: str) -> None:
        self._alerted.discard((store_id, endpoint))

    async def refresh(self, db: AsyncSession) -> None:
        self._alerted = set(await repository.alerted_pairs(db))


@dataclass(frozen=True, slots=True)
class ErrorOccurrence:
    store_id: uuid.UUID
    event_id: uuid.UUID
    endpoint: Endpoint
    event_type: str
    error: str
    error_kind: str
    customer_code: str | None
    trace_id: str
    occurred_at: datetime


async def _queue(
    db: AsyncSession,
    *,
    store_id: uuid.UUID,
    kind: str,
    endpoint: Endpoint,
    event_id: uuid.UUID | None,
    subject: str,
    body: str,
    now: datetime,
) -> Notification:
    """Write the outbox row; configuration problems become a recorded status, never an exception."""
    integration = await integration_service.get_integration(db, store_id)
    sender = (integration.notify_sender if integration else None) or ""
    receivers = list(integration.notify_receivers if integration else [])
    row_id = uuid.uuid4()
    row = Notification(
        id=row_id,
        store_id=store_id,
        kind=kind,
        event_id=event_id,
        endpoint=endpoint.value,
        sender=sender,
        receivers=receivers,
        invalid_receivers=[],
        subject=subject,
        body=body,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        message_id=message_id_for(str(row_id)),
        created_at=now,
    )
    try:
        refuse_newlines(subject, "subject")
        refuse_newlines(sender, "sender")
        valid, invalid = split_receivers(receivers)
    except ValidationFailed as exc:
        # Stored flattened so the admin page can show what was refused.
        row.sender, row.receivers = sender.replace("\n", "\\n"), []
        row.status, row.last_error = "failed", f"refused: {exc.message}"
        await repository.add(db, row)
        return row
    row.receivers, row.invalid_receivers = valid, invalid
    if not sender:
        row.status, row.last_error = "skipped", "No error notification sender is configured."
    elif not is_valid_address(sender):
        row.status, row.last_error = "failed", f"The sender {sender} is not a valid address."
    elif not receivers:
        row.status, row.last_error = "skipped", "No error notification receiver is configured."
    elif not valid:
        row.status = "failed"
        row.last_error = "No valid receiver: " + ", ".join(invalid)
    elif invalid:
        row.last_error = "Not sent to invalid receiver(s): " + ", ".join(invalid)
    await repository.add(db, row)
    return row


async def on_integration_error(
    db: AsyncSession,
    occurrence: ErrorOccurrence,
    *,
    now: datetime,
    throttle_minutes: int,
    public_url: str,
    cache: AlertCache,
) -> Notification | None:
    """At most one e-mail per (store, endpoint, error kind) per window; the rest are counted."""
    endpoint = occurrence.endpoint.value
    state = await repository.get_alert_state(
        db, occurrence.store_id, endpoint, occurrence.error_kind
    )
    held_back = 0
    if state is None:
        state = AlertState(
            store_id=occurrence.store_id,
            endpoint=endpoint,
            error_kind=occurrence.error_kind,
            last_sent_at=now,
            held_back=0,
            alerted=True,
        )
        await repository.add(db, state)
    elif state.last_sent_at + timedelta(minutes=throttle_minutes) <= now:
        held_back = state.held_back
        state.last_sent_at, state.held_back, state.alerted = now, 0, True
    else:
        # Held back. A flapping endpoint must not send a "recovered" for every flap, so only an
        # e-mail that actually goes out opens an alert.
        state.held_back += 1
        state.last_event_id = occurrence.event_id
        await db.flush()
        return None
    state.last_event_id = occurrence.event_id
    cache.mark(occurrence.store_id, endpoint)
    subject, body = error_mail(
        ErrorFacts(
            endpoint=occurrence.endpoint,
            event_type=occurrence.event_type,
            error=occurrence.error,
            error_kind=occurrence.error_kind,
            customer_code=occurrence.customer_code,
            occurred_at=occurrence.occurred_at,
            trace_id=occurrence.trace_id,
            event_url=f"{public_url.rstrip('/')}/admin/events/{occurrence.event_id}",
            held_back=held_back,
        )
    )
    return await _queue(
        db,
        store_id=occurrence.store_id,
        kind="error",
        endpoint=occurrence.endpoint,
        event_id=occurrence.event_id,
        subject=subject,
        body=body,
        now=now,
    )


async def on_integration_success(
    db: AsyncSession,
    store_id: uuid.UUID,
    endpoint: Endpoint,
    *,
    now: datetime,
    cache: AlertCache,
) -> Notification | None:
    """Close open alerts of the endpoint and queue one "recovered" e-mail; None if none was open."""
    states = await repository.alerted_states(db, store_id, endpoint.value)
    cache.clear(store_id, endpoint.value)
    if not states:
        return None
    held_back = sum(state.held_back for state in states)
    for state in states:
        state.alerted, state.held_back = False, 0
    await db.flush()
    subject, body = recovered_mail(endpoint, now, held_back, [s.error_kind for s in states])
    return await _queue(
        db,
        store_id=store_id,
        kind="recovered",
        endpoint=endpoint,
        event_id=None,
        subject=subject,
        body=body,
        now=now,
    )


async def list_notifications(
    db: AsyncSession, store_id: uuid.UUID, *, status: str | None, limit: int, offset: int
) -> list[Notification]:
    return await repository.list_for_store(db, store_id, status=status, limit=limit, offset=offset)


async def purge_finished(db: AsyncSession, before: datetime) -> int:
    return await repository.purge_finished(db, before)
