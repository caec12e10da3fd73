"""Related requests: every outbound HTTP attempt of an event, stored by the background writer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.models._columns import uuid_pk


class RelatedRequest(Base):
    __tablename__ = "related_request"

    id: Mapped[uuid.UUID] = uuid_pk()
    # No index of its own: every look-up goes by id or trace id (both indexed) and then checks the
    # store; one index fewer per row written (a row per ERP attempt kept).
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False
    )
    # No foreign key to event: a request row may be written before its event (or without one).
    trace_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    request_id: Mapped[str] = mapped_column(String(64), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(16), nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    duration_ms: Mapped[float] = mapped_column(Float, nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    request_headers: Mapped[list[Any]] = mapped_column(JSONType, default=list, nullable=False)
    # Bodies are text: UTF-8 as is, anything else (or text with NUL) base64 with encoding="base64".
    request_body: Mapped[str | None] = mapped_column(Text)
    request_body_encoding: Mapped[str] = mapped_column(String(8), default="utf-8", nullable=False)
    request_body_size: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    request_truncated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    response_headers: Mapped[list[Any]] = mapped_column(JSONType, default=list, nullable=False)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_body_encoding: Mapped[str] = mapped_column(String(8), default="utf-8", nullable=False)
    response_body_size: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    response_truncated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    bodies_purged: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
