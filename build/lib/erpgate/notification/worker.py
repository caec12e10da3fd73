"""The outbox worker: claims due e-mails with a lease, sends them, retries with backoff.

Exactly-once as far as we can make it without the mail server's help:
- a claim is a conditional UPDATE (plus FOR UPDATE SKIP LOCKED on PostgreSQL), so one worker
  owns a row; the lease makes a crashed worker's row claimable again instead of lost;
- the outcome is written only while the claim token still matches;
- a re-claimed row asks the backend whether its stable Message-ID already left (the file backend
  can tell; SMTP and SES cannot, and their receivers see the same Message-ID on a repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from erpgate.db.engine import SessionFactory, supports_skip_locked, transaction
from erpgate.erp.webhook import WebhookSender
from erpgate.errors import ValidationFailed
from erpgate.kit.clock import Clock
from erpgate.kit.crypto import SecretBox
from erpgate.logging import get_logger
from erpgate.models.notification import Notification
from erpgate.notification import repository
from erpgate.notification.backends import MailBackend, MailSendError
from erpgate.notification.compose import OutgoingMail
from erpgate.notification.figures import DELIVERIES
from erpgate.notification.webhooks import signed_headers

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    lease_seconds: float = 300.0
    max_attempts: int = 5
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    batch_size: int = 20

    def backoff(self, attempts: int) -> timedelta:
        seconds = min(
            self.backoff_base_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds
        )
        return timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """What sending a webhook row needs: the guarded client and the key to the routes' secrets."""

    sender: WebhookSender
    box: SecretBox


@dataclass(frozen=True, slots=True)
class Claimed:
    row: Notification
    token: str
    reclaimed: bool  # its previous lease expired: a worker may have died mid-send


class OutboxWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        session_factory: SessionFactory,
        backend: MailBackend,
        clock: Clock,
        policy: OutboxPolicy | None = None,
        *,
        webhooks: WebhookDelivery | None = None,
    ) -> None:
        self.engine = engine
        self.webhooks = webhooks
        self.session_factory = session_factory
        self.backend = backend
        self.clock = clock
        self.policy = policy or OutboxPolicy()
        self.sent = 0
        self.last_round = time.monotonic()  # when the loop last came round (liveness)

    async def claim(self, limit: int | None = None) -> list[Claimed]:
        """Take up to ``limit`` due rows for this worker; committed before anything is sent."""
        now = self.clock.now()
        token = secrets.token_hex(16)
        lease_until = now + timedelta(seconds=self.policy.lease_seconds)
        async with transaction(self.session_factory) as db:
            ids = await repository.claimable_ids(
                db,
                now,
                limit or self.policy.batch_size,
                skip_locked=supports_skip_locked(self.engine),
            )
            before = {row.id: row.status for row in await repository.get_many(db, ids)}
            claimed_ids = [i for i in ids if await repository.claim(db, i, now, lease_until, token)]
            db.expire_all()
            rows = await repository.get_many(db, claimed_ids)
        return [Claimed(row, token, before.get(row.id) == "sending") for row in rows]

    async def deliver(self, claimed: Claimed) -> str:
        """Send one claimed row and record the outcome; returns the new status."""
        row = claimed.row
        if row.channel == "webhook":
            return await self._deliver_webhook(claimed)
        mail = OutgoingMail(
            sender=row.sender,
            receivers=tuple(row.receivers),
            subject=row.subject,
            body=row.body,
            message_id=row.message_id,
        )
        try:
            mail.checked()
            if claimed.reclaimed and await self.backend.already_sent(mail):
                provider_id = "already sent before a restart"
            else:
                provider_id = await self.backend.send(mail)
        except ValidationFailed as exc:
            return await self._fail(claimed, f"refused: {exc.message}")
        except MailSendError as exc:
            if exc.permanent or row.attempts >= self.policy.max_attempts:
                suffix = "" if exc.permanent else f" (gave up after {row.attempts} attempts)"
                return await self._fail(claimed, exc.reason + suffix)
            return await self._retry(claimed, exc.reason)
        return await self._sent(claimed, provider_id)

    async def _sent(self, claimed: Claimed, provider_id: str) -> str:
        async with transaction(self.session_factory) as db:
            await repository.finish(
                db,
                claimed.row.id,
                claimed.token,
                status="sent",
                sent_at=self.clock.now(),
                lease_expires_at=None,
                provider_message_id=provider_id[:200],
            )
        self.sent += 1
        channel = claimed.row.channel
        DELIVERIES.labels(channel, "sent").inc()
        log.info("notification_sent", notification_id=str(claimed.row.id), channel=channel)
        return "sent"

    async def _deliver_webhook(self, claimed: Claimed) -> str:
        row = claimed.row
        async with self.session_factory() as db:
            route = await repository.route_by_id(db, row.route_id) if row.route_id else None
        if route is None or not route.enabled:
            return await self._fail(claimed, "the alert route was removed or switched off")
        if self.webhooks is None:
            return await self._retry(claimed, "this process cannot send webhooks")
        body = row.body.encode()
        secret = self.webhooks.box.decrypt(route.secret_encrypted)
        timestamp = int(self.clock.now().timestamp())
        headers = signed_headers(secret, row.message_id, timestamp, body)
        url = self.webhooks.box.decrypt(route.url_encrypted)
        result = await self.webhooks.sender.post(url, body, headers)
        if not result.delivered:
            reason = f"{route.url_shown}: {result.error}"
            if not result.retryable or row.attempts >= self.policy.max_attempts:
                suffix = "" if not result.retryable else f" (gave up after {row.attempts} attempts)"
                return await self._fail(claimed, reason + suffix)
            return await self._retry(claimed, reason)
        return await self._sent(claimed, f"HTTP {result.status}")

    async def _fail(self, claimed: Claimed, reason: str) -> str:
        async with transaction(self.session_factory) as db:
            await repository.finish(
                db,
                claimed.row.id,
                claimed.token,
                status="failed",
                last_error=_with_invalid(claimed.row, reason),
                lease_expires_at=None,
            )
        DELIVERIES.labels(claimed.row.channel, "failed").inc()
        log.warning(
            "notification_failed",
            notification_id=str(claimed.row.id),
            channel=claimed.row.channel,
            reason=reason,
        )
        return "failed"

    async def _retry(self, claimed: Claimed, reason: str) -> str:
        next_at = self.clock.now() + self.policy.backoff(claimed.row.attempts)
        async with transaction(self.session_factory) as db:
            await repository.finish(
                db,
                claimed.row.id,
                claimed.token,
                status="queued",
                last_error=_with_invalid(claimed.row, reason),
                next_attempt_at=next_at,
                lease_expires_at=None,
            )
        DELIVERIES.labels(claimed.row.channel, "retry").inc()
        return "queued"

    async def run_once(self) -> int:
        """Claim and deliver one batch; returns how many rows were handled."""
        batch = await self.claim()
        for claimed in batch:
            await self.deliver(claimed)
        return len(batch)

    def stuck_for(self, poll_seconds: float) -> float | None:
        """Seconds since the loop last came round, when that is far longer than it should be
        (a round sends at most a batch, each send bounded by its backend's timeout)."""
        silent = time.monotonic() - self.last_round
        return silent if silent > max(120.0, 10 * poll_seconds) else None

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            self.last_round = time.monotonic()
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("outbox_worker_failed")
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)


def _with_invalid(row: Notification, reason: str) -> str:
    if row.invalid_receivers:
        return f"{reason}; not sent to invalid receiver(s): {', '.join(row.invalid_receivers)}"
    return reason
