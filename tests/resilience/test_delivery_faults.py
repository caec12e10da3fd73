"""Every mock ERP fault on submit_order, against the app's own delivery worker: the placed order
is never lost and never created twice. A final answer (422) ends it as rejected; anything else
keeps it queued, and once the ERP behaves it is delivered, one ERP order per key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from tests.delivery.conftest import delivering, due_now, recorder, settled
from tests.storefront.conftest import Shop
from tests.storefront.test_placed_orders_list import place

pytestmark = pytest.mark.deadlines

__all__ = ["delivering", "recorder"]  # the fixtures this module uses

DEADLINE = 0.5  # the Submit Order timeout in these cells

# (fault, its parameters, the state after the first attempt)
CELLS: list[tuple[str, dict[str, Any], str]] = [
    ("latency", {"seconds": DEADLINE + 1}, "queued"),
    ("latency", {"seconds": 0.05}, "sent"),
    ("error_rate", {"rate": 1.0}, "queued"),
    ("status", {"status": 500}, "queued"),
    ("status", {"status": 503, "retry_after": "0"}, "queued"),
    ("status", {"status": 429}, "queued"),
    ("status", {"status": 400}, "queued"),
    ("status", {"status": 401}, "queued"),
    ("status", {"status": 404}, "queued"),
    ("html_error", {"status": 502}, "queued"),
    ("malformed_json", {}, "queued"),
    ("contract_break", {}, "queued"),
    # The submit answer names no customer: the fault leaves it as it is.
    ("cross_customer", {}, "sent"),
    ("slow_drip", {"interval_ms": 400}, "queued"),
    ("reset", {}, "queued"),
    ("oversized", {}, "queued"),
    ("redirect", {}, "queued"),
    ("echo_credentials", {}, "sent"),
    ("markup_text", {}, "sent"),
    ("accept_then_stall", {"seconds": DEADLINE + 2}, "queued"),
    ("accept_then_reset", {}, "queued"),
    ("reject_many", {}, "rejected"),
]


@pytest.mark.parametrize(
    ("fault", "params", "first"),
    CELLS,
    ids=[
        f"{fault}-{'-'.join(map(str, params.values()))}".rstrip("-") for fault, params, _ in CELLS
    ],
)
async def test_a_fault_never_loses_nor_doubles_a_placed_order(
    fault: str,
    params: dict[str, Any],
    first: str,
    client: httpx.AsyncClient,
    delivering: Shop,
    mock_erp: MockErpHandle,
    db: AsyncSession,
    app: FastAPI,
) -> None:
    await db.execute(update(Integration).values(timeouts={"submit_order": DEADLINE}))
    await db.commit()
    mock_erp.set_fault("submit_order", fault, **params)
    order = await place(client, f"PO-{fault}")

    after_first = await settled(
        client,
        order["id"],
        lambda d: d["state"] != "queued" or d["last_error"] is not None,
    )
    assert after_first["state"] == first, after_first

    mock_erp.clear_faults()
    if first == "queued":
        await due_now(db, app)
        after_first = await settled(client, order["id"], lambda d: d["state"] == "sent")
        assert after_first["state"] == "sent", after_first
    keyed = [s for s in mock_erp.submissions() if s["key"] == order["number"]]
    if first == "rejected":
        assert all(s["order_ids"] == [] for s in keyed)  # nothing created
        return
    [submission] = keyed
    assert len(submission["order_ids"]) == 1  # one ERP order, however often it was sent
    assert after_first["erp_order_id"] == submission["order_ids"][0]
