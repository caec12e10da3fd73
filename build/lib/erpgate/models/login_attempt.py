"""Sign-in attempts of admins and buyers, kept in the database so the rate limit holds across
app instances and restarts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import UTCDateTime
from erpgate.models._columns import uuid_pk


class LoginAttempt(Base):
    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_account_occurred_at", "kind", "store_id", "email", "occurred_at"),
        Index("ix_login_attempt_address_occurred_at", "kind", "address", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    # "admin" or "buyer": each sign-in has its own limits, and a buyer's e-mail may also be an
    # admin's without the two sharing a count.
    kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default="admin")
    # The buyer's store (a buyer e-mail is unique per store only); None for admins. No foreign
    # key: rows older than a day are deleted anyway, and a store's removal need not wait on them.
    store_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False)  # lower-cased as typed
    address: Mapped[str] = mapped_column(String(64), nullable=False)  # client IP
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
