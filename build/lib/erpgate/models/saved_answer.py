"""The last good ERP answer per (store, customer code, endpoint, request): the stale fallback."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import UTCDateTime
from erpgate.models._columns import uuid_pk


class SavedAnswer(Base):
    __tablename__ = "saved_answer"
    __table_args__ = (
        UniqueConstraint(
            "store_id", "customer_code", "endpoint", "request_digest", name="uq_saved_answer_key"
        ),
        # Instances learn each other's saves by time.
        Index("ix_saved_answer_fetched_at", "fetched_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False
    )
    customer_code: Mapped[str] = mapped_column(String(64), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(16), nullable=False)
    # sha256 (hex) of the request body exactly as it was sent.
    request_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    # The ERP's answer as it came (already validated once); validated again when served.
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The process that saved it: each instance learns only the others' saves (it knows its own).
    saved_by: Mapped[str] = mapped_column(String(16), nullable=False, default="")
