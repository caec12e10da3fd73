"""Feeding the outcome writer outcomes by hand, as the gateway would hand them over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from erpgate.erp.contract import OrdersListResponse
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpError, ErpTimeoutError
from erpgate.erp.outcome import Actor, ErpCall, Outcome
from erpgate.erp.targets import ErpTarget
from erpgate.kit.clock import Clock
from erpgate.outcomes.writer import OutcomeWriter
from tests.event.helpers import Shop


class Feeder:
    """Hands the app's writer outcomes as if the gateway had produced them."""

    def __init__(
        self, app: FastAPI, shop: Shop, clock: Clock, endpoint: Endpoint = Endpoint.ORDERS
    ) -> None:
        self.writer: OutcomeWriter = app.state.erpgate.services["outcome_writer"]
        self.shop = shop
        self.clock = clock
        self.endpoint = endpoint
        self.target = ErpTarget(
            store_id=shop.store.id,
            endpoint=endpoint,
            url="https://erp.example.com/orders",
            timeout_seconds=5.0,
            credentials=Credentials(token="t0ken-secret"),
        )

    async def outcome(self, error: ErpError | None, customer: str = "C0004935") -> Outcome[Any]:
        actor = Actor(source="storefront", customer_code=customer)
        call = ErpCall(self.endpoint, b"{}", OrdersListResponse, actor, customer)
        outcome = Outcome(self.target, call, self.clock.now(), error=error)
        if error is None:
            outcome.value = OrdersListResponse(data=[])
        pending = self.writer.accept(outcome)
        if pending is not None:
            await pending
        return outcome

    async def fail(self, times: int = 1, *, every: timedelta = timedelta(seconds=10)) -> None:
        """Failures, then the writer's flush (which decides the e-mails)."""
        for _ in range(times):
            await self.outcome(ErpTimeoutError("ERP did not answer within 5.0 s"))
            self.clock.advance(seconds=every.total_seconds())
        await self.writer.flush()

    async def succeed(self, times: int) -> None:
        for _ in range(times):
            await self.outcome(None)
        await self.writer.flush()
