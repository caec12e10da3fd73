"""The circuit breaker of each store and endpoint, shared by every instance.

Each instance keeps its breakers in memory and decides alone between two polls; this row is what
they agree on. ``version`` grows with every change: an instance publishes its own transition only
over the version it knows (compare and set), so it never overwrites a newer decision (an
operator's reset or forced open) it has not seen yet.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import UTCDateTime

STATES = ("closed", "open", "forced_open")


class ErpBreaker(Base):
    __tablename__ = "erp_breaker"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True
    )
    endpoint: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    # While "open": when the first probe may go (each instance lets one through).
    open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    # "automatic" (an instance's breaker) or the admin's e-mail.
    changed_by: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
