"""Events: one ERP interaction as the admin sees it, with the event data the product documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, Uuid, text, true
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import UTCDateTime
from erpgate.models._columns import uuid_pk


class Event(Base):
    __tablename__ = "event"
    # The list page reads one store's events newest first.
    __table_args__ = (
        Index("ix_event_store_id_occurred_at", "store_id", "occurred_at"),
        # Only failures have a reference and a problem: successes (most rows) skip both indexes.
        Index(
            "ix_event_store_id_reference",
            "store_id",
            "reference",
            sqlite_where=text("reference IS NOT NULL"),
            postgresql_where=text("reference IS NOT NULL"),
        ),
        Index(
            "ix_event_problem_id_occurred_at",
            "problem_id",
            "occurred_at",
            sqlite_where=text("problem_id IS NOT NULL"),
            postgresql_where=text("problem_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The W3C trace id sent to the ERP (traceparent); related requests join on it.
    trace_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # For a failure: the reference the buyer was given (problem code + time) and its problem.
    reference: Mapped[str | None] = mapped_column(String(32))
    problem_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    endpoint: Mapped[str] = mapped_column(String(16), nullable=False)
    customer_code: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    customer_account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    impersonator_admin_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)
    error_kind: Mapped[str | None] = mapped_column(String(32))
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    # False for a success whose related requests were sampled out (ERPGATE_SUCCESS_REQUESTS_
    # SAMPLE_RATE): the event page says so instead of waiting for requests that never come.
    requests_kept: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )

    @property
    def data(self) -> dict[str, Any]:
        """The event data exactly as the product documents it, from the columns above."""
        related: dict[str, str | None] = {
            "customer": str(self.customer_account_id) if self.customer_account_id else None,
            "user": str(self.user_id) if self.user_id else None,
        }
        if self.impersonator_admin_id:
            related["impersonator"] = str(self.impersonator_admin_id)
        return {
            "external_customer_id": self.customer_code,
            "related_to": related,
            "trace_id": self.trace_id,
            "error": self.error,
        }
