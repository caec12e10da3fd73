"""The delivery worker: claims due order deliveries with a lease and sends them to the ERP.

Every ERP order is created once, whatever crashes, because of two things together:
- a claim is a conditional UPDATE (plus FOR UPDATE SKIP LOCKED on PostgreSQL), so one worker
  sends a row at a time; its lease makes a killed worker's row claimable again, never lost;
- every attempt of a row sends the same bytes under the same Idempotency-Key, so the ERP answers
  a repeat with the order it created the first time (a send whose answer was lost, a worker
  killed after the ERP committed).
An answer is recorded only while the claim token still matches.

The call goes through the one ERP gateway (deadline, SSRF guard, breaker, masking); it is
durable: its event is stored before the delivery records the reference that links to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from erpgate.db.engine import SessionFactory, supports_skip_locked, transaction
from erpgate.delivery import repository
from erpgate.delivery.figures import DELIVERIES
from erpgate.delivery.service import DeliveryPolicy, Verdict, not_configured, verdict
from erpgate.erp.contract import SubmitOrderResponse
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import Actor, ErpCall
from erpgate.integration.service import load_live_integration
from erpgate.kit.clock import Clock
from erpgate.kit.crypto import SecretBox
from erpgate.kit.local_cache import PLACED_ORDERS, changed
from erpgate.logging import get_logger
from erpgate.models.order_delivery import OrderDelivery

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Claimed:
    row: OrderDelivery
    token: str


class DeliveryWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        session_factory: SessionFactory,
        gateway: ErpGateway,
        box: SecretBox,
        clock: Clock,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.session_factory = session_factory
        self.gateway = gateway
        self.box = box
        self.clock = clock
        self.policy = policy or DeliveryPolicy()
        self.sent = 0
        self.last_round = time.monotonic()  # when the loop last came round (liveness)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """An order was placed in this process: look now rather than at the next poll."""
        self._wake.set()

    async def claim(self, limit: int | None = None) -> list[Claimed]:
        """Take up to ``limit`` due rows for this worker; committed before anything is sent."""
        now = self.clock.now()
        token = secrets.token_hex(16)
        lease_until = now + timedelta(seconds=self.policy.lease_seconds)
        async with transaction(self.session_factory) as db:
            ids = await repository.claimable_ids(
                db,
                now,
                limit or self.policy.batch_size,
                skip_locked=supports_skip_locked(self.engine),
            )
            claimed_ids = [i for i in ids if await repository.claim(db, i, now, lease_until, token)]
            db.expire_all()
            rows = await repository.get_many(db, claimed_ids)
        return [Claimed(row, token) for row in rows]

    async def deliver(self, claimed: Claimed) -> str:
        """Send one claimed row and record the answer; returns the row's new state."""
        row = claimed.row
        async with self.session_factory() as db:
            live = await load_live_integration(db, row.store_id, self.box, self.gateway.options)
        target = live.target(Endpoint.SUBMIT_ORDER)
        now = self.clock.now()
        if target is None:
            return await self._record(claimed, not_configured(row, now=now, policy=self.policy))
        call = ErpCall(
            Endpoint.SUBMIT_ORDER,
            row.request_body,
            SubmitOrderResponse,
            Actor(
                source="delivery",
                customer_account_id=row.customer_account_id,
                customer_code=row.customer_code,
                user_id=row.user_id,
            ),
            expected_customer_code=row.customer_code,
            durable=True,  # the delivery links to the event by its reference
            headers=(("Idempotency-Key", row.order_number),),
        )
        # Never coalesced: each delivery is its own call, even with identical bodies.
        outcome = await self.gateway.read(target, call, coalesce=False)
        result = verdict(row, outcome, now=self.clock.now(), policy=self.policy)
        return await self._record(claimed, result)

    async def _record(self, claimed: Claimed, result: Verdict) -> str:
        row = claimed.row
        async with transaction(self.session_factory) as db:
            kept = await repository.finish(db, row.id, claimed.token, **result.values)
        if not kept:
            # An admin cancelled or retried it meanwhile, or the lease ran out and another
            # worker took it: that one's answer counts.
            log.info("order_delivery_claim_lost", delivery_id=str(row.id))
            return row.state
        DELIVERIES.labels(result.state).inc()
        if result.state == "sent":
            self.sent += 1
        log_line = log.info if result.state in ("sent", "queued") else log.warning
        log_line(
            "order_delivery",
            delivery_id=str(row.id),
            order_number=row.order_number,
            state=result.state,
            attempts=row.attempts,
            error=result.values.get("last_error"),
        )
        # The buyer's orders list shows the new state (in this process at once; in the others
        # within the buyer cache's time to live).
        changed(PLACED_ORDERS)
        return result.state

    async def run_once(self) -> int:
        """Claim and deliver one batch; returns how many rows were handled."""
        batch = await self.claim()
        # Sent one after another: an ERP that creates orders slowly is not hit by a burst.
        for claimed in batch:
            await self.deliver(claimed)
        return len(batch)

    def stuck_for(self, poll_seconds: float) -> float | None:
        """Seconds since the loop last came round, when that is far longer than it should be
        (a round sends at most a batch, each bounded by the Submit Order timeout)."""
        silent = time.monotonic() - self.last_round
        limit = max(120.0, 10 * poll_seconds, self.policy.batch_size * 35.0)
        return silent if silent > limit else None

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            self.last_round = time.monotonic()
            self._wake.clear()
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("order_delivery_worker_failed")
                handled = 0
            if handled:
                continue
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(waits, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
