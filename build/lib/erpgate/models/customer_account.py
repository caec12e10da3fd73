"""A buyer company; its customer_code is the ERP's account number."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.models._columns import created_at, uuid_pk


class CustomerAccount(Base):
    __tablename__ = "customer_account"
    __table_args__ = (UniqueConstraint("store_id", "customer_code"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    customer_code: Mapped[str] = mapped_column(String(64), nullable=False)
    seller_reference: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = created_at()
