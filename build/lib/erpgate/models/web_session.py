"""Server-side sessions for buyers and admins; the cookie holds a random token, we keep its digest."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import UTCDateTime
from erpgate.models._columns import created_at, uuid_pk


class WebSession(Base):
    __tablename__ = "web_session"

    id: Mapped[uuid.UUID] = uuid_pk()
    token_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # "buyer" or "admin"
    principal_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    store_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    # Set when an admin uses "Login on storefront": every event then names the admin too.
    impersonator_admin_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
