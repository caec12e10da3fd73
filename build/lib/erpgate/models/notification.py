"""The notification outbox: e-mails written with their event, sent after commit by the worker."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.models._columns import created_at, uuid_pk

STATUSES = ("queued", "sending", "sent", "failed", "skipped")


class Notification(Base):
    __tablename__ = "notification"
    # The worker looks for due rows by status and time.
    __table_args__ = (Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # "opened", "reminder" or "resolved" (a problem's), "test"; "error"/"recovered" in older rows.
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # "email" (sender, receivers, subject, body) or "webhook" (route_id; body is the JSON sent).
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="email")
    route_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    problem_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    endpoint: Mapped[str] = mapped_column(String(16), nullable=False)
    sender: Mapped[str] = mapped_column(String(320), default="", nullable=False)
    receivers: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    invalid_receivers: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="queued", nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # A claimed row belongs to one worker until its lease ends; an expired lease is claimable again.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    # Our Message-ID, stable across retries so a backend (and a mail reader) can spot a duplicate.
    message_id: Mapped[str] = mapped_column(String(200), nullable=False)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
