"""One line of a locally placed order, priced when the order was placed (ERP or catalog)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import MoneyType
from erpgate.models._columns import uuid_pk


class LocalOrderLine(Base):
    __tablename__ = "local_order_line"

    id: Mapped[uuid.UUID] = uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("local_order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    line_number: Mapped[int] = mapped_column(Integer, nullable=False)
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    uom: Mapped[str] = mapped_column(String(16), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    line_total: Mapped[Decimal] = mapped_column(MoneyType, nullable=False)
    # erp: the buyer's own price from the ERP's prices answer; catalog: the store's catalog.
    price_source: Mapped[str] = mapped_column(String(16), default="catalog", nullable=False)
