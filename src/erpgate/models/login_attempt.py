"""Admin sign-in attempts, kept in the database so the rate limit holds across app instances."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import UTCDateTime
from erpgate.models._columns import uuid_pk


class LoginAttempt(Base):
    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_occurred_at", "email", "occurred_at"),
        Index("ix_login_attempt_address_occurred_at", "address", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(320), nullable=False)  # lower-cased as typed
    address: Mapped[str] = mapped_column(String(64), nullable=False)  # client IP
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
