"""Sending one placed order to the ERP's submit_order endpoint: an outbox row with a lease.

Written in the transaction that places the order, with the request body encoded once: every
attempt sends the same bytes under the same Idempotency-Key (the order's number), so a retry after
a lost answer cannot create a second ERP order. The row outlives its order (``order_id`` is set to
null when the order goes with its customer account): what was placed still reaches the ERP.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from erpgate.db.base import Base
from erpgate.db.types import JSONType, UTCDateTime
from erpgate.models._columns import created_at, uuid_pk

# queued: due at next_attempt_at; sending: claimed by a worker until lease_expires_at;
# sent: the ERP accepted it; rejected: the ERP's rules refused it (final);
# failed: not accepted within the store's retry window; cancelled: by an admin.
STATES = ("queued", "sending", "sent", "rejected", "failed", "cancelled")
OPEN_STATES = ("queued", "sending")


class OrderDelivery(Base):
    __tablename__ = "order_delivery"
    __table_args__ = (
        # The worker looks for due rows by state and time.
        Index("ix_order_delivery_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_order_delivery_store_created", "store_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("store.id", ondelete="CASCADE"), nullable=False
    )
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("local_order.id", ondelete="SET NULL"), unique=True
    )
    # Kept on the row: the order (and its account) may be deleted while the delivery waits.
    order_number: Mapped[str] = mapped_column(String(32), nullable=False)
    customer_code: Mapped[str] = mapped_column(String(64), nullable=False)
    customer_account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    request_body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    state: Mapped[str] = mapped_column(String(16), default="queued", nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(64))

    # The last attempt: its sentence for staff and the reference of its event.
    last_error: Mapped[str | None] = mapped_column(Text)
    last_reference: Mapped[str | None] = mapped_column(String(64))
    # The ERP's answer once accepted.
    erp_order_id: Mapped[str | None] = mapped_column(String(200))
    erp_order_number: Mapped[str | None] = mapped_column(String(200))
    erp_status: Mapped[str | None] = mapped_column(String(200))
    # The ERP's reasons when rejected: [{"field", "message", "buyer_message"}].
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, nullable=False)

    created_at: Mapped[datetime] = created_at()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
