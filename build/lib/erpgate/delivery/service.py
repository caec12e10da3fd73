"""Placed orders on their way to the ERP: what is sent, what each answer means, what people see.

Placing an order writes its delivery in the same transaction (``queue``), with the submit_order
request encoded once, so every attempt sends the same bytes under the same Idempotency-Key. The
worker (``delivery.worker``) sends it off the request path and records each answer with
``verdict``:

- accepted (2xx with an order id): ``sent``, with the ERP's order id, number and status;
- a 422 with the ERP's reasons: ``rejected``, final;
- anything else (the ERP down, slow, refusing our credentials, breaking the contract, the breaker
  open, the URL unset): tried again with backoff until the store's retry window ends, then
  ``failed``. An admin may retry a failed or rejected delivery, or cancel one still waiting.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.delivery import repository
from erpgate.erp.contract import (
    Address,
    SubmitLine,
    SubmitOrderRequest,
    SubmitOrderResponse,
    SubmitShipping,
    SubmitTax,
    SubmitTotals,
)
from erpgate.erp.errors import ErpOrderRejectedError
from erpgate.erp.outcome import Outcome
from erpgate.errors import Conflict, NotFound
from erpgate.kit.money import quantize
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.local_order import LocalOrder
from erpgate.models.local_order_line import LocalOrderLine
from erpgate.models.order_delivery import OPEN_STATES, OrderDelivery

# What a buyer is told, by state. The ERP's own words reach a buyer only through the
# contract's buyer_message.
BUYER_SENTENCES = {
    "queued": "We are sending this order to our order system and will keep trying.",
    "sent": "Your order is in our order system.",
    "rejected": "Our order system did not accept this order. We will contact you about it.",
    "failed": "We could not send this order to our order system. We will contact you about it.",
    "cancelled": "This order was withdrawn by the store. We will contact you about it.",
}
LAST_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Backoff between attempts: ``first`` seconds, doubling up to ``longest``; a claim's lease."""

    first_seconds: float = 15.0
    longest_seconds: float = 900.0
    lease_seconds: float = 120.0
    batch_size: int = 10

    def backoff(self, attempts: int) -> timedelta:
        seconds = min(self.first_seconds * 2 ** max(attempts - 1, 0), self.longest_seconds)
        return timedelta(seconds=seconds)


def submit_request(
    order: LocalOrder, lines: list[LocalOrderLine], account: CustomerAccount
) -> SubmitOrderRequest:
    """The contract's request for a placed order, from what was stored when it was placed."""
    return SubmitOrderRequest(
        customer_code=account.customer_code,
        seller_reference=account.seller_reference,
        order_reference=order.number,
        po_number=order.po_number,
        placed_at=order.placed_at,
        currency=order.currency,
        ship_to=Address(**order.ship_to),
        lines=[
            SubmitLine(
                line_number=line.line_number,
                sku=line.sku,
                description=line.name,
                uom=line.uom,
                quantity=_quantity(line.quantity),
                unit_price=_price(line.unit_price),
                line_total=quantize(line.line_total),
                price_source=line.price_source,
            )
            for line in lines
        ],
        shipping=SubmitShipping(
            code=order.shipping_code,
            label=order.shipping_label,
            amount=quantize(order.shipping_total),
            source=order.shipping_source,
        ),
        tax=SubmitTax(
            amount=quantize(order.tax_total),
            source=order.tax_source,
            estimated=order.tax_estimated,
        ),
        totals=SubmitTotals(
            subtotal=quantize(order.subtotal),
            shipping=quantize(order.shipping_total),
            tax=quantize(order.tax_total),
            total=quantize(order.total),
        ),
        notes=order.notes,
    )


# Stored with four places; sent as people write them.
def _quantity(value: Decimal) -> Decimal:
    """2 rather than 2.0000."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _price(value: Decimal) -> Decimal:
    """16.80 rather than 16.8000; a price with more places keeps them."""
    cents = quantize(value)
    return cents if cents == value else value.normalize()


async def queue(
    db: AsyncSession,
    order: LocalOrder,
    lines: list[LocalOrderLine],
    account: CustomerAccount,
    *,
    retry_hours: int,
    now: datetime,
) -> OrderDelivery:
    """The order's delivery, due at once; flushed with the order, committed with it."""
    row = OrderDelivery(
        store_id=order.store_id,
        order_id=order.id,
        order_number=order.number,
        customer_code=account.customer_code,
        customer_account_id=account.id,
        user_id=order.user_id,
        request_body=submit_request(order, lines, account).wire_json(),
        state="queued",
        attempts=0,
        next_attempt_at=now,
        give_up_at=now + timedelta(hours=retry_hours),
        reasons=[],
        created_at=now,
    )
    await repository.add(db, row)
    return row


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one attempt's outcome does to its delivery: the state and the columns to write."""

    state: str
    values: dict[str, Any]


def verdict(
    row: OrderDelivery,
    outcome: Outcome[SubmitOrderResponse],
    *,
    now: datetime,
    policy: DeliveryPolicy,
) -> Verdict:
    common: dict[str, Any] = {"lease_expires_at": None}
    if outcome.value is not None:
        answer = outcome.value.data
        return Verdict(
            "sent",
            {
                **common,
                "state": "sent",
                "erp_order_id": answer.order_id[:200],
                "erp_order_number": (answer.order_number or answer.order_id)[:200],
                "erp_status": (answer.status or "")[:200] or None,
                "last_error": None,
                "last_reference": outcome.trace_id,
                "sent_at": now,
                "finished_at": now,
            },
        )
    error = outcome.error
    assert error is not None
    common |= {
        "last_error": error.human[:LAST_ERROR_LENGTH],
        "last_reference": outcome.reference or outcome.trace_id,
    }
    if isinstance(error, ErpOrderRejectedError):
        reasons = [reason.model_dump(mode="json") for reason in error.reasons]
        return Verdict(
            "rejected", {**common, "state": "rejected", "reasons": reasons, "finished_at": now}
        )
    if now >= row.give_up_at:
        return Verdict("failed", {**common, "state": "failed", "finished_at": now})
    next_at = now + policy.backoff(row.attempts)
    return Verdict("queued", {**common, "state": "queued", "next_attempt_at": next_at})


def not_configured(row: OrderDelivery, *, now: datetime, policy: DeliveryPolicy) -> Verdict:
    """The store's Submit Order URL is unset (or the app uninstalled) while the order waits:
    kept until the retry window ends, in case the admin sets it again."""
    human = "The Submit Order URL is not set: the order waits until it is"
    if now >= row.give_up_at:
        return Verdict("failed", {"state": "failed", "last_error": human, "finished_at": now})
    next_at = now + policy.backoff(row.attempts)
    return Verdict("queued", {"state": "queued", "last_error": human, "next_attempt_at": next_at})


# -- what buyers and admins see --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuyerDelivery:
    """A delivery as its buyer sees it: the state, the ERP's numbers, a calm sentence, and the
    ERP's own words only where it wrote them for the buyer."""

    state: str  # local, queued, sent, rejected, failed, cancelled
    erp_order_id: str | None
    erp_order_number: str | None
    attempts: int
    message: str | None
    buyer_messages: tuple[str, ...] = ()
    # The ERP's own status word once sent ("Open"); shown on the buyer's order page.
    erp_status: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "erp_order_id": self.erp_order_id,
            "erp_order_number": self.erp_order_number,
            "attempts": self.attempts,
            "last_error": self.message,
            "buyer_messages": list(self.buyer_messages),
        }


LOCAL = BuyerDelivery("local", None, None, 0, None)


def for_buyer(row: OrderDelivery | None) -> BuyerDelivery:
    if row is None:
        return LOCAL
    state = "queued" if row.state in OPEN_STATES else row.state
    messages = tuple(
        str(reason["buyer_message"])[:300]
        for reason in row.reasons
        if isinstance(reason, dict) and reason.get("buyer_message")
    )
    message = None
    # Queued: said only once an attempt has failed (not while the first one is on its way).
    if state != "sent" and (state != "queued" or row.last_error is not None):
        message = BUYER_SENTENCES[state]
    return BuyerDelivery(
        state=state,
        erp_order_id=row.erp_order_id,
        erp_order_number=row.erp_order_number,
        attempts=row.attempts,
        message=message,
        buyer_messages=messages if state == "rejected" else (),
        erp_status=row.erp_status if state == "sent" else None,
    )


async def for_orders(
    db: AsyncSession, order_ids: list[uuid.UUID]
) -> dict[uuid.UUID, OrderDelivery]:
    return await repository.for_orders(db, order_ids)


async def list_deliveries(
    db: AsyncSession,
    store_id: uuid.UUID,
    *,
    states: list[str] | None,
    search: str | None,
    page: int,
    page_size: int,
) -> tuple[list[OrderDelivery], bool]:
    rows = await repository.list_for_store(
        db,
        store_id,
        states=states,
        search=search,
        offset=(page - 1) * page_size,
        limit=page_size + 1,
    )
    return rows[:page_size], len(rows) > page_size


async def get_delivery(
    db: AsyncSession, store_id: uuid.UUID, delivery_id: uuid.UUID
) -> OrderDelivery:
    row = await repository.get(db, store_id, delivery_id)
    if row is None:
        raise NotFound("No such order delivery in this store.")
    return row


async def retry(
    db: AsyncSession,
    store_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    retry_hours: int,
    now: datetime,
) -> OrderDelivery:
    """Send a failed, rejected or waiting delivery again now, with a fresh retry window (the
    same Idempotency-Key: an order the ERP took is answered, never created twice)."""
    row = await get_delivery(db, store_id, delivery_id)
    done = await repository.change_state(
        db,
        store_id,
        delivery_id,
        ("queued", "failed", "rejected", "cancelled"),
        state="queued",
        next_attempt_at=now,
        give_up_at=now + timedelta(hours=retry_hours),
        finished_at=None,
        reasons=[],
    )
    if not done:
        raise Conflict(_cannot("retry", row.state))
    await db.refresh(row)
    return row


async def cancel(
    db: AsyncSession, store_id: uuid.UUID, delivery_id: uuid.UUID, *, now: datetime
) -> OrderDelivery:
    """Stop sending a delivery that waits or gave up (the order stays placed here)."""
    row = await get_delivery(db, store_id, delivery_id)
    done = await repository.change_state(
        db, store_id, delivery_id, ("queued", "failed"), state="cancelled", finished_at=now
    )
    if not done:
        raise Conflict(_cannot("cancel", row.state))
    await db.refresh(row)
    return row


def _cannot(action: str, state: str) -> str:
    if state == "sending":
        return f"The order is being sent right now; {action} it once this attempt ends."
    return (
        f"A delivery that is {state} cannot be {'retried' if action == 'retry' else 'cancelled'}."
    )


async def counts(db: AsyncSession, store_id: uuid.UUID) -> dict[str, int]:
    return await repository.count_by_state(db, store_id)
