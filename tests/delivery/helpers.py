"""Arranging deliveries and placed orders straight in the database for the admin's pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import repository as checkout_repository
from erpgate.config import Settings
from erpgate.models.local_order import LocalOrder
from erpgate.models.local_order_line import LocalOrderLine
from erpgate.models.order_delivery import OrderDelivery

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
REQUEST = (
    b'{"customer_code":"C-ALPHA","order_reference":"W-1","lines":[{"sku":"5620","quantity":2}]}'
)


async def add_delivery(
    db: AsyncSession,
    store_id: uuid.UUID,
    number: str,
    state: str,
    *,
    minutes_ago: int = 0,
    customer_code: str = "C-ALPHA",
    order_id: uuid.UUID | None = None,
    **values: Any,
) -> OrderDelivery:
    """A delivery as the worker leaves it in ``state``, created ``minutes_ago`` before NOW."""
    created = NOW - timedelta(minutes=minutes_ago)
    row = OrderDelivery(
        store_id=store_id,
        order_id=order_id,
        order_number=number,
        customer_code=customer_code,
        request_body=values.pop("request_body", REQUEST),
        state=state,
        attempts=values.pop("attempts", 1),
        next_attempt_at=values.pop("next_attempt_at", NOW + timedelta(minutes=5)),
        give_up_at=values.pop("give_up_at", created + timedelta(hours=24)),
        reasons=values.pop("reasons", []),
        created_at=created,
        **values,
    )
    db.add(row)
    await db.flush()
    return row


async def add_order(
    db: AsyncSession,
    store_id: uuid.UUID,
    account_id: uuid.UUID,
    number: str,
    *,
    placed_at: datetime = NOW,
    lines: tuple[tuple[str, str, str, str], ...] = (("5620", "Wrench 13 mm", "2", "16.80"),),
    **values: Any,
) -> LocalOrder:
    """A placed order with its lines (sku, name, quantity, unit price), as checkout stores it."""
    stored = [
        LocalOrderLine(
            line_number=n,
            sku=sku,
            name=name,
            uom="EA",
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            line_total=Decimal(quantity) * Decimal(price),
        )
        for n, (sku, name, quantity, price) in enumerate(lines, start=1)
    ]
    subtotal = sum((line.line_total for line in stored), start=Decimal(0))
    order = LocalOrder(
        store_id=store_id,
        customer_account_id=account_id,
        number=number,
        status="Placed",
        currency="USD",
        po_number=values.pop("po_number", None),
        notes=values.pop("notes", None),
        ship_to=values.pop(
            "ship_to",
            {
                "name": "Dock 3",
                "address1": "1200 Front St",
                "city": "Toledo",
                "zip": "43605",
                "country": "US",
            },
        ),
        shipping_code="standard",
        shipping_label="Standard",
        shipping_source="fallback",
        subtotal=subtotal,
        shipping_total=Decimal("9.95"),
        tax_total=Decimal("2.50"),
        tax_source="fallback",
        tax_estimated=values.pop("tax_estimated", True),
        total=subtotal + Decimal("9.95") + Decimal("2.50"),
        placed_at=placed_at,
    )
    await checkout_repository.add_order(db, order, stored)
    return order


@pytest.fixture(name="settings")
def settings_without_worker(settings: Settings) -> Settings:
    """No delivery worker runs in the app: a row stays in the state a test puts it in until the
    test sends it (the admin's pages and actions; tests/delivery/test_delivery_flow.py runs it)."""
    return settings.model_copy(update={"run_worker_in_process": False})
