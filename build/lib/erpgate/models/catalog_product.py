"""A product a store sells through checkout: sku, name, unit price and unit of measure."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import MoneyType
from erpgate.models._columns import created_at, uuid_pk


class CatalogProduct(Base):
    __tablename__ = "catalog_product"
    __table_args__ = (UniqueConstraint("store_id", "sku"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    uom: Mapped[str] = mapped_column(String(16), default="EA", nullable=False)
    created_at: Mapped[datetime] = created_at()
