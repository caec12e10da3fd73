"""Placed orders reach the reference mock ERP through the app's own worker: sent once, kept
while the ERP fails, answered by the first order when a lost answer is sent again, rejected in
the ERP's words for buyers, and shown once in the buyer's orders list."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.endpoints import Endpoint
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from erpgate.models.order_delivery import OrderDelivery
from erpgate.models.problem import Problem
from tests.delivery.conftest import due_now, settled
from tests.storefront.conftest import Shop, SpySink
from tests.storefront.test_placed_orders_list import place

ORDERS = "/api/v1/storefront/orders"


async def test_a_placed_order_reaches_the_erp_once_and_then_shows_as_the_erps(
    client: httpx.AsyncClient, delivering: Shop, mock_erp: MockErpHandle, recorder: SpySink
) -> None:
    order = await place(client, "PO-DELIVER-1")
    assert order["delivery"]["state"] == "queued"

    delivery = await settled(client, order["id"], lambda d: d["state"] == "sent")

    [submission] = mock_erp.submissions()
    assert submission["key"] == order["number"] and submission["seen"] == 1
    [erp_id] = submission["order_ids"]
    assert delivery["erp_order_id"] == erp_id and delivery["erp_order_number"]
    assert delivery["attempts"] == 1 and delivery["last_error"] is None
    [call] = [c for c in recorder.calls if c.endpoint is Endpoint.SUBMIT_ORDER]
    assert call.outcome == "success" and call.actor.source == "delivery"
    assert call.actor.customer_code == "C0004935"
    # The ERP lists it now: the orders list shows it once, as the ERP's row.
    page = (await client.get(ORDERS)).json()
    assert "placed" not in page
    assert page["data"][0]["order_id"] == erp_id
    assert page["data"][0]["po_number"] == "PO-DELIVER-1"


async def test_with_the_erp_down_the_order_waits_and_is_delivered_once_after(
    client: httpx.AsyncClient,
    delivering: Shop,
    mock_erp: MockErpHandle,
    db: AsyncSession,
    app: FastAPI,
) -> None:
    mock_erp.set_fault("submit_order", "status", status=503)
    order = await place(client, "PO-DOWN")

    waiting = await settled(client, order["id"], lambda d: d["last_error"] is not None)
    assert waiting["state"] == "queued"
    assert waiting["last_error"] == (
        "We are sending this order to our order system and will keep trying."
    )
    # The placed order still leads the buyer's list, marked as waiting.
    [row] = (await client.get(ORDERS)).json()["placed"]
    assert row["order_number"] == order["number"] and row["delivery"]["state"] == "queued"
    # The failure folded into a problem for the admin.
    db.expire_all()
    problem = (
        await db.execute(select(Problem).where(Problem.endpoint == "submit_order"))
    ).scalar_one()
    assert problem.state == "open" and problem.kind == "unavailable"
    assert mock_erp.submissions() == []  # 503 before the ERP took anything

    mock_erp.clear_faults()
    await due_now(db, app)
    delivered = await settled(client, order["id"], lambda d: d["state"] == "sent")

    [submission] = mock_erp.submissions()
    assert submission["seen"] == 1 and len(submission["order_ids"]) == 1
    assert delivered["erp_order_id"] == submission["order_ids"][0]


async def test_an_erp_that_took_the_order_then_timed_out_answers_the_retry_with_it(
    client: httpx.AsyncClient,
    delivering: Shop,
    mock_erp: MockErpHandle,
    db: AsyncSession,
    app: FastAPI,
) -> None:
    await db.execute(update(Integration).values(timeouts={"submit_order": 0.5}))
    await db.commit()
    mock_erp.set_fault("submit_order", "accept_then_stall", seconds=3)
    order = await place(client, "PO-STALL")

    waiting = await settled(client, order["id"], lambda d: d["last_error"] is not None)
    assert waiting["state"] == "queued"
    [taken] = mock_erp.submissions()
    assert taken["seen"] == 1 and len(taken["order_ids"]) == 1  # the ERP has it already

    mock_erp.clear_faults()
    await due_now(db, app)
    delivered = await settled(client, order["id"], lambda d: d["state"] == "sent")

    [submission] = mock_erp.submissions()
    assert submission["seen"] == 2  # sent twice under one key...
    assert submission["order_ids"] == taken["order_ids"]  # ...one ERP order
    assert delivered["erp_order_id"] == taken["order_ids"][0]
    assert delivered["attempts"] == 2


async def test_a_rejection_is_final_and_the_buyer_reads_only_the_erps_buyer_messages(
    client: httpx.AsyncClient, delivering: Shop, mock_erp: MockErpHandle, db: AsyncSession
) -> None:
    mock_erp.set_fault("submit_order", "reject_many")
    order = await place(client, "PO-REJECT")

    delivery = await settled(client, order["id"], lambda d: d["state"] != "queued")

    assert delivery["state"] == "rejected"
    assert len(delivery["buyer_messages"]) == 50
    assert delivery["last_error"] == (
        "Our order system did not accept this order. We will contact you about it."
    )
    db.expire_all()
    row = (await db.execute(select(OrderDelivery))).scalar_one()
    assert len(row.reasons) == 50 and row.last_error is not None
    assert row.last_error.startswith("ERP rejected the order: ")
    assert row.last_error.endswith("(and 49 more)")
