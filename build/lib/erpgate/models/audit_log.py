"""What admins did that others must be able to check later: impersonation, settings, key rotation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.models._columns import uuid_pk


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_store_id_occurred_at", "store_id", "occurred_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    # None for platform-wide actions (key rotation from the command line).
    store_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE")
    )
    # Kept as plain ids and a copied e-mail so the row still reads well after an admin is removed.
    admin_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    admin_email: Mapped[str] = mapped_column(String(320), default="", nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
