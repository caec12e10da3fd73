"""The placed order's page says where the order stands with the ERP, in the buyer's words: one
test per delivery state, and the thank-you on the first view only."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.delivery.service import BUYER_SENTENCES
from erpgate.delivery.worker import DeliveryWorker
from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from tests.checkout.deliveries import attach_delivery, items_of, text_of
from tests.storefront.conftest import Shop
from tests.storefront.test_placed_orders_list import place

THANKS = "Thank you — your order was placed"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker in the app: a test sends its orders itself, when it means to."""
    return settings.model_copy(update={"run_worker_in_process": False})


async def page_of(client: httpx.AsyncClient, order: dict[str, object]) -> str:
    response = await client.get(f"/store/demo/orders/placed/{order['id']}")
    assert response.status_code == 200
    return response.text


async def test_without_a_submit_order_url_the_order_is_placed_here_only(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place(buyer_client, "PO-LOCAL")
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "Placed — not sent to an ERP"
    assert text_of(html, "delivery-message") is None
    assert THANKS not in html  # looked up again, not just placed


async def test_a_queued_order_is_being_sent(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-Q")
    await attach_delivery(db, shop, order, "queued", attempts=3, last_error="ERP timed out")
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "Sending to our order system — we will keep trying"
    # The headline says it all; the staff sentence never reaches the buyer.
    assert text_of(html, "delivery-message") is None
    assert "ERP timed out" not in html


async def test_an_order_being_sent_right_now_reads_as_queued(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-S")
    await attach_delivery(db, shop, order, "sending")
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "Sending to our order system — we will keep trying"


async def test_a_sent_order_shows_the_erps_number_and_status(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-SENT")
    await attach_delivery(
        db, shop, order, "sent", erp_order_id="SO-77", erp_order_number="77", erp_status="Open"
    )
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "In our order system as 77"
    assert text_of(html, "delivery-status") == "Status: Open"
    assert text_of(html, "delivery-message") is None


async def test_a_sent_order_without_a_status_shows_its_number_only(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-SENT2")
    await attach_delivery(db, shop, order, "sent", erp_order_id="SO-78", erp_order_number="SO-78")
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "In our order system as SO-78"
    assert text_of(html, "delivery-status") is None


async def test_a_rejected_order_lists_the_erps_words_for_the_buyer_only(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-REJ")
    reasons = [
        {
            "field": "lines[0].sku",
            "message": "SKU 5620 blocked in table ITEM_MASTER",
            "buyer_message": "Item 5620 is no longer sold.",
        },
        {"field": "customer_code", "message": "Credit hold HOLD-7", "buyer_message": None},
        {
            "field": "po_number",
            "message": "Duplicate PO",
            "buyer_message": "PO-REJ was used before.",
        },
    ]
    await attach_delivery(db, shop, order, "rejected", reasons=reasons, last_error="Rejected")
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "Not accepted by our order system"
    assert items_of(html, "delivery-reasons") == [
        "Item 5620 is no longer sold.",
        "PO-REJ was used before.",
    ]
    assert text_of(html, "delivery-message") is None
    for staff_words in ("ITEM_MASTER", "HOLD-7", "Duplicate PO"):
        assert staff_words not in html


async def test_a_rejected_order_without_words_for_the_buyer_gets_the_calm_sentence(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-REJ2")
    reasons = [{"field": "customer_code", "message": "Credit hold HOLD-7", "buyer_message": None}]
    await attach_delivery(db, shop, order, "rejected", reasons=reasons)
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "Not accepted by our order system"
    assert text_of(html, "delivery-message") == (
        "Our order system did not accept this order. We will contact you about it."
    )
    assert text_of(html, "delivery-reasons") is None
    assert "HOLD-7" not in html


async def test_a_failed_order_gets_the_calm_sentence(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-FAIL")
    await attach_delivery(db, shop, order, "failed", attempts=40, last_error="Connection refused")
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "Not sent to our order system"
    assert text_of(html, "delivery-message") == (
        "We could not send this order to our order system. We will contact you about it."
    )
    assert "Connection refused" not in html


async def test_a_cancelled_order_gets_the_calm_sentence(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-CAN")
    await attach_delivery(db, shop, order, "cancelled")
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == "Withdrawn by the store"
    assert text_of(html, "delivery-message") == BUYER_SENTENCES["cancelled"]
    assert BUYER_SENTENCES["cancelled"] == (
        "This order was withdrawn by the store. We will contact you about it."
    )


async def test_an_order_the_mock_erp_accepts_shows_the_number_it_gave(
    buyer_client: httpx.AsyncClient,
    shop: Shop,
    db: AsyncSession,
    app: FastAPI,
    mock_erp: MockErpHandle,
) -> None:
    await db.execute(update(Integration).values(submit_order_url=mock_erp.urls["submit_order"]))
    await db.commit()
    order = await place(buyer_client, "PO-MOCK")
    queued = await page_of(buyer_client, order)
    assert text_of(queued, "delivery-state") == (
        "Sending to our order system — we will keep trying"
    )
    state = app.state.erpgate
    worker = DeliveryWorker(
        state.engine, state.session_factory, state.gateway, state.secret_box, state.clock
    )

    assert await worker.run_once() == 1

    submitted = [s for s in mock_erp.submissions() if s["key"] == order["number"]]
    assert len(submitted) == 1 and len(submitted[0]["order_ids"]) == 1
    answer = await buyer_client.get(f"/api/v1/storefront/checkout/orders/{order['id']}")
    number = answer.json()["delivery"]["erp_order_number"]
    html = await page_of(buyer_client, order)
    assert text_of(html, "delivery-state") == f"In our order system as {number}"
    assert text_of(html, "delivery-status") == "Status: Open"
