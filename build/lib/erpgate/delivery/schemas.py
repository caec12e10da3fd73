"""JSON shapes of the admin's deliveries API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

from erpgate.models.order_delivery import OrderDelivery

State = Literal["queued", "sending", "sent", "rejected", "failed", "cancelled"]


class ReasonOut(BaseModel):
    field: str | None = Field(default=None, description="The request field the ERP refused")
    message: str | None = Field(default=None, description="The ERP's words for staff")
    buyer_message: str | None = Field(default=None, description="The ERP's words for the buyer")


class DeliveryOut(BaseModel):
    """A placed order's delivery to the ERP as staff see it."""

    id: str
    order_id: str | None = Field(description="null once the order went with its account")
    order_number: str = Field(description="The store's number; the Idempotency-Key sent")
    customer_code: str
    state: State = Field(
        description="queued: due at next_attempt_at; sending: a worker holds it; sent: the ERP "
        "accepted it; rejected: the ERP's rules refused it; failed: not accepted within the retry "
        "window; cancelled: by staff"
    )
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="While queued or being sent")
    give_up_at: dt.datetime = Field(description="The end of the retry window")
    created_at: dt.datetime
    sent_at: dt.datetime | None
    finished_at: dt.datetime | None
    erp_order_id: str | None
    erp_order_number: str | None
    erp_status: str | None
    last_error: str | None = Field(description="The last attempt's sentence for staff")
    last_reference: str | None = Field(
        description="The last attempt's event: search it in the events list (?q=)"
    )
    reasons: list[ReasonOut] = Field(description="The ERP's reasons when it rejected the order")

    @classmethod
    def of(cls, row: OrderDelivery) -> DeliveryOut:
        waiting = row.state in ("queued", "sending")
        return cls(
            id=str(row.id),
            order_id=str(row.order_id) if row.order_id else None,
            order_number=row.order_number,
            customer_code=row.customer_code,
            state=row.state,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if waiting else None,
            give_up_at=row.give_up_at,
            created_at=row.created_at,
            sent_at=row.sent_at,
            finished_at=row.finished_at,
            erp_order_id=row.erp_order_id,
            erp_order_number=row.erp_order_number,
            erp_status=row.erp_status,
            last_error=row.last_error,
            last_reference=row.last_reference,
            reasons=[ReasonOut.model_validate(r) for r in row.reasons if isinstance(r, dict)],
        )


class DeliveryDetailOut(DeliveryOut):
    request: Any = Field(
        description="The submit_order request sent on every attempt (the contract's JSON)"
    )

    @classmethod
    def of(cls, row: OrderDelivery) -> DeliveryDetailOut:
        return cls(**DeliveryOut.of(row).model_dump(), request=request_of(row))


class DeliveriesPage(BaseModel):
    items: list[DeliveryOut]
    page: int
    has_next: bool


def request_of(row: OrderDelivery) -> Any:
    """The stored request body as JSON (as sent: bytes that are not JSON are shown as text)."""
    try:
        return orjson.loads(row.request_body)
    except orjson.JSONDecodeError:
        return row.request_body.decode("utf-8", "replace")
