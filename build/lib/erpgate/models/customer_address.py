"""A ship-to address an admin keeps on a customer account, offered to its buyers at checkout."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.models._columns import created_at, uuid_pk

# The ship-to fields, in the order checkout shows them; the same keys as a cart's ship_to.
SHIP_TO_FIELDS = ("name", "address1", "address2", "city", "state", "zip", "country")


class CustomerAddress(Base):
    __tablename__ = "customer_address"
    __table_args__ = (
        Index("ix_customer_address_store_account", "store_id", "customer_account_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False
    )
    customer_account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customer_account.id", ondelete="CASCADE"), nullable=False
    )
    label: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    address1: Mapped[str] = mapped_column(String(200), nullable=False)
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str | None] = mapped_column(String(100))
    zip: Mapped[str] = mapped_column(String(20), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    created_at: Mapped[datetime] = created_at()

    def ship_to(self) -> dict[str, str]:
        """The address as a cart's ship-to: its filled fields."""
        values = {name: getattr(self, name) for name in SHIP_TO_FIELDS}
        return {name: value for name, value in values.items() if value}

    def one_line(self) -> str:
        """How a list shows it: the label first, when it has one."""
        parts = [self.name, self.address1, self.address2, self.city, self.state, self.zip]
        place = ", ".join(part for part in [*parts, self.country] if part)
        return f"{self.label}: {place}" if self.label else place
