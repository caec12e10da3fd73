"""A store's installed Generic ERP Integration app and its settings. Key and Token are encrypted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.kit.clock import utcnow
from erpgate.models._columns import created_at, uuid_pk

URL_LENGTH = 2048


class Integration(Base):
    __tablename__ = "integration"

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    installed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Fernet ciphertexts (kit.crypto.SecretBox); never the clear value.
    key_encrypted: Mapped[str | None] = mapped_column(Text)
    token_encrypted: Mapped[str | None] = mapped_column(Text)
    auth_style: Mapped[str] = mapped_column(String(16), default="bearer", nullable=False)
    oauth_token_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))

    orders_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    order_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    invoices_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    invoice_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    balance_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    taxes_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    shipping_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    submit_order_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    prices_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    inventory_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))

    # {"orders": 5.0, ..., "taxes": 3.0}; a missing endpoint uses Endpoint.default_timeout_seconds.
    timeouts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    # The store's adapter: {"profile": {...}, "endpoints": ["orders", ...]} (erp.adapters), or
    # None. An endpoint listed here is read through the profile instead of its contract URL.
    adapter: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    notify_sender: Mapped[str | None] = mapped_column(String(320))
    notify_receivers: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    tax_failure_policy: Mapped[str] = mapped_column(String(16), default="estimate", nullable=False)
    stale_max_age_seconds: Mapped[int] = mapped_column(Integer, default=24 * 3600, nullable=False)
    # How long a placed order is sent again while the ERP fails, before its delivery gives up.
    order_retry_hours: Mapped[int] = mapped_column(Integer, default=24, nullable=False)
    # How long a buyer's live price and stock answers are used before the ERP is asked again.
    price_cache_seconds: Mapped[int] = mapped_column(Integer, default=300, nullable=False)
    stock_cache_seconds: Mapped[int] = mapped_column(Integer, default=30, nullable=False)

    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
