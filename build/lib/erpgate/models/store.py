"""A store: the tenant. Everything else belongs to exactly one store."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, MoneyType
from erpgate.kit.locales import DEFAULT_LOCALE, LOCALE_MAX
from erpgate.models._columns import created_at, uuid_pk

# Offered at checkout while no Shipping URL is set, or when the ERP fails to answer.
DEFAULT_BUILTIN_SHIPPING: list[dict[str, Any]] = [
    {"code": "standard", "label": "Standard ground (5-7 days)", "total": "15.00"},
    {"code": "pickup", "label": "Pick up at our warehouse", "total": "0.00"},
]


class Store(Base):
    __tablename__ = "store"

    id: Mapped[uuid.UUID] = uuid_pk()
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), default="USD", nullable=False)
    # How the pages show money, numbers and dates (a Babel identifier: en_US, de_CH).
    locale: Mapped[str] = mapped_column(String(LOCALE_MAX), default=DEFAULT_LOCALE, nullable=False)
    # Applied to the cart subtotal when no Taxes URL is set or the ERP fails under `estimate`.
    fallback_tax_rate: Mapped[Decimal] = mapped_column(
        MoneyType, default=Decimal("0"), nullable=False
    )
    builtin_shipping_methods: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONType, default=lambda: list(DEFAULT_BUILTIN_SHIPPING), nullable=False
    )
    created_at: Mapped[datetime] = created_at()
