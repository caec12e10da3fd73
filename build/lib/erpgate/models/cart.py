"""A buyer's server-side cart: lines and ship-to as JSON on one row per buyer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.kit.clock import utcnow
from erpgate.models._columns import uuid_pk


class Cart(Base):
    __tablename__ = "cart"

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # One cart per buyer, kept across sessions so a blocked checkout never loses it.
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("user.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    # [{"sku": "5620", "quantity": "2"}]; prices are read from the catalog at quote time.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, nullable=False)
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
