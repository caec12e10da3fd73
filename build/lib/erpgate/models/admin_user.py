"""A store's staff member in the admin console, or a platform operator (no store)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.models._columns import created_at, uuid_pk

ROLES = ("owner", "admin", "developer", "support", "platform")


class AdminUser(Base):
    __tablename__ = "admin_user"
    __table_args__ = (UniqueConstraint("store_id", "email"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    # None for a platform operator, who creates stores and belongs to none.
    store_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = created_at()
