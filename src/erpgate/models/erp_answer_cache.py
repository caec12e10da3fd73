"""The last good ERP answer per (store, customer code, endpoint, request): the stale fallback."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.models._columns import uuid_pk


class ErpAnswerCache(Base):
    __tablename__ = "erp_answer_cache"
    __table_args__ = (
        UniqueConstraint(
            "store_id",
            "customer_code",
            "endpoint",
            "request_digest",
            name="uq_erp_answer_cache_key",
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False
    )
    customer_code: Mapped[str] = mapped_column(String(64), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(16), nullable=False)
    # sha256 of the canonical (sorted-key) JSON request body.
    request_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    answer: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
