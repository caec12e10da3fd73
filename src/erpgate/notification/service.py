"""The outbox: e-mails queued inside the transaction that decided them, sent after commit.

Problems decide when to write (``erpgate.problem.service``): one e-mail when a problem opens, a
reminder per throttle window while it stays open and unacknowledged, one when it resolves. The
worker only sends what was committed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.kit.ids import new_uuid
from erpgate.models.alert_route import AlertRoute
from erpgate.models.notification import Notification
from erpgate.notification import repository
from erpgate.notification.compose import (
    is_valid_address,
    message_id_for,
    refuse_newlines,
    split_receivers,
)
from erpgate.notification.webhooks import Alert


async def queue_mail(
    db: AsyncSession,
    *,
    store_id: uuid.UUID,
    kind: str,
    endpoint: Endpoint,
    subject: str,
    body: str,
    now: datetime,
    event_id: uuid.UUID | None = None,
    problem_id: uuid.UUID | None = None,
) -> Notification:
    """Write the outbox row to the store's receivers. Configuration problems become a recorded
    status ("skipped" or "failed", shown on the Notifications page), never an exception; only a
    "queued" row will be sent."""
    integration = await integration_service.get_integration(db, store_id)
    sender = (integration.notify_sender if integration else None) or ""
    receivers = list(integration.notify_receivers if integration else [])
    row_id = new_uuid()
    row = Notification(
        id=row_id,
        store_id=store_id,
        kind=kind,
        event_id=event_id,
        problem_id=problem_id,
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


async def queue_webhooks(
    db: AsyncSession,
    *,
    store_id: uuid.UUID,
    kind: str,
    endpoint: Endpoint,
    alert: Alert,
    now: datetime,
    problem_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    routes: list[AlertRoute] | None = None,
) -> list[Notification]:
    """One outbox row per enabled webhook route of the store (or per route given), sent by the
    worker like an e-mail; none when the store has no route."""
    targets = routes if routes is not None else await repository.routes_of(db, store_id)
    rows = []
    for route in targets:
        if not route.enabled:
            continue
        row_id = new_uuid()
        row = Notification(
            id=row_id,
            store_id=store_id,
            kind=kind,
            channel="webhook",
            route_id=route.id,
            event_id=event_id,
            problem_id=problem_id,
            endpoint=endpoint.value,
            sender="",
            receivers=[route.name],
            invalid_receivers=[],
            subject=alert.text[:300],
            body=alert.body.decode(),
            status="queued",
            attempts=0,
            next_attempt_at=now,
            message_id=f"msg_{row_id.hex}",
            created_at=now,
        )
        await repository.add(db, row)
        rows.append(row)
    return rows


def delivered_to_someone(rows: list[Notification]) -> bool:
    """Whether any of the rows will be sent: a notification nobody can receive (skipped, or
    refused at once) does not count, so it never starts a throttle window."""
    return any(row.status == "queued" for row in rows)


async def list_notifications(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    offset: int,
    channel: str | None = None,
) -> list[Notification]:
    return await repository.list_for_store(
        db, store_id, status=status, channel=channel, limit=limit, offset=offset
    )


async def purge_finished(db: AsyncSession, before: datetime) -> int:
    return await repository.purge_finished(db, before)
