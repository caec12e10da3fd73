"""An order placed through this storefront's checkout, with where its tax and shipping came from."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, MoneyType, UTCDateTime
from erpgate.models._columns import uuid_pk

SOURCES = ("erp", "fallback")


class LocalOrder(Base):
    __tablename__ = "local_order"
    __table_args__ = (
        UniqueConstraint("store_id", "number"),
        Index("ix_local_order_account_placed", "customer_account_id", "placed_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
    )
    customer_account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customer_account.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("user.id", ondelete="SET NULL")
    )
    impersonator_admin_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    number: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(32), default="Placed", nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    po_number: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    shipping_code: Mapped[str | None] = mapped_column(String(64))
    shipping_label: Mapped[str] = mapped_column(String(200), nullable=False)
    shipping_source: Mapped[str] = mapped_column(String(8), nullable=False)  # erp | fallback
    subtotal: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    shipping_total: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    tax_total: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    tax_source: Mapped[str] = mapped_column(String(8), nullable=False)  # erp | fallback
    tax_estimated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    total: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
