"""Calling the ERP through the app's gateway in tests, and reading back what the writer stored."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.contract import OrdersListRequest, OrdersListResponse
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.outcome import Actor, ErpCall, Outcome
from erpgate.integration.service import LiveIntegration, load_live_integration
from erpgate.outcomes.writer import OutcomeWriter
from tests.event.helpers import Shop


def writer_of(app: FastAPI) -> OutcomeWriter:
    writer: OutcomeWriter = app.state.erpgate.services["outcome_writer"]
    return writer


async def live_of(app: FastAPI, db: AsyncSession, shop: Shop) -> LiveIntegration:
    state = app.state.erpgate
    return await load_live_integration(db, shop.store.id, state.secret_box, state.gateway.options)


async def read_orders(
    app: FastAPI,
    live: LiveIntegration,
    shop: Shop,
    *,
    customer: str = "C0004935",
    page: int = 1,
    durable: bool = False,
    impersonator_admin_id: uuid.UUID | None = None,
) -> Outcome[OrdersListResponse]:
    actor = Actor(
        source="storefront",
        customer_account_id=shop.account.id,
        customer_code=customer,
        user_id=shop.buyer.id,
        impersonator_admin_id=impersonator_admin_id,
    )
    request = OrdersListRequest(customer_code=customer, page=page)
    call = ErpCall.of(Endpoint.ORDERS, request, OrdersListResponse, actor)
    call.durable = durable
    target = live.target(Endpoint.ORDERS)
    assert target is not None
    outcome: Outcome[OrdersListResponse] = await app.state.erpgate.gateway.read(target, call)
    return outcome


async def rows(db: AsyncSession, model: Any) -> list[Any]:
    query = select(model).execution_options(populate_existing=True)
    return list((await db.execute(query)).scalars())
