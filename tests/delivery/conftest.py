"""Delivery tests: a store wired to the mock ERP with its Submit Order URL, and helpers that
wait for the app's own worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.kit.clock import utcnow
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.order_delivery import OrderDelivery
from tests.storefront.conftest import (
    BUYER,
    Shop,
    SpySink,
    build_shop,
    buyer_client,
    login,
    recorder,
    shop,
)

__all__ = ["buyer_client", "delivering", "recorder", "shop"]


@pytest.fixture
async def delivering(
    db: AsyncSession,
    settings: Settings,
    mock_erp: MockErpHandle,
    recorder: SpySink,
    client: httpx.AsyncClient,
) -> Shop:
    """A store with every mock ERP URL, Submit Order included; the buyer signed in."""
    shop = await build_shop(db, settings, mock_erp.urls, recorder)
    await login(client, BUYER)
    return shop


async def delivery_of(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/storefront/checkout/orders/{order_id}")
    assert response.status_code == 200, response.text
    delivery: dict[str, Any] = response.json()["delivery"]
    return delivery


async def settled(
    client: httpx.AsyncClient,
    order_id: str,
    done: Callable[[dict[str, Any]], bool],
    seconds: float = 15.0,
) -> dict[str, Any]:
    """The order's delivery once ``done(delivery)`` holds (the worker runs in the app)."""
    deadline = time.monotonic() + seconds
    while True:
        delivery = await delivery_of(client, order_id)
        if done(delivery) or time.monotonic() > deadline:
            return delivery
        await asyncio.sleep(0.05)


async def due_now(db: AsyncSession, app: FastAPI) -> None:
    """Stand for the backoff's wait: the waiting deliveries are due, and the worker looks."""
    await db.execute(update(OrderDelivery).values(next_attempt_at=utcnow()))
    await db.commit()
    app.state.erpgate.services["delivery_worker"].wake()
