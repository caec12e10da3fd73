"""Throttle and alert state per store, endpoint and error kind: what the last e-mail said and when."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import UTCDateTime
from erpgate.models._columns import uuid_pk


class AlertState(Base):
    __tablename__ = "alert_state"
    __table_args__ = (UniqueConstraint("store_id", "endpoint", "error_kind"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
    )
    endpoint: Mapped[str] = mapped_column(String(16), nullable=False)
    error_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Errors held back since the last e-mail; the next e-mail says "and N more like it".
    held_back: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # True from the first alert until the endpoint succeeds again (then "recovered" is sent).
    alerted: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    last_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
