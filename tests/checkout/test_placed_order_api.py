"""GET /api/v1/storefront/checkout/orders/{id}: a buyer reads back an order placed in this
store with where its delivery stands; nobody else's, and not without the permission."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import service as customer_service
from tests.checkout.deliveries import attach_delivery
from tests.storefront.conftest import OTHER, VIEWER, Shop, login
from tests.storefront.test_placed_orders_list import place

PLACED = "/api/v1/storefront/checkout/orders"


async def test_own_order_with_its_delivery(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-API-1")
    local = await buyer_client.get(f"{PLACED}/{order['id']}")
    assert local.status_code == 200
    assert local.json()["delivery"] == {
        "state": "local",
        "erp_order_id": None,
        "erp_order_number": None,
        "attempts": 0,
        "last_error": None,
        "buyer_messages": [],
    }
    reasons = [{"field": "po_number", "message": "dup", "buyer_message": "PO-API-1 was used."}]
    await attach_delivery(db, shop, order, "rejected", attempts=2, reasons=reasons)

    response = await buyer_client.get(f"{PLACED}/{order['id']}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["number"], body["po_number"]) == (
        order["id"],
        order["number"],
        "PO-API-1",
    )
    assert body["delivery"] == {
        "state": "rejected",
        "erp_order_id": None,
        "erp_order_number": None,
        "attempts": 2,
        "last_error": "Our order system did not accept this order. We will contact you about it.",
        "buyer_messages": ["PO-API-1 was used."],
    }


async def test_a_buyer_of_the_same_account_with_orders_permission_reads_it(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place(buyer_client, "PO-API-2")
    await buyer_client.post(
        "/api/v1/auth/logout", headers={"X-CSRF-Token": await _csrf(buyer_client)}
    )
    await login(buyer_client, VIEWER)  # orders only, same customer account
    response = await buyer_client.get(f"{PLACED}/{order['id']}")
    assert response.status_code == 200
    assert response.json()["number"] == order["number"]


async def test_another_accounts_order_is_not_found(
    buyer_client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place(buyer_client, "PO-API-3")
    await buyer_client.post(
        "/api/v1/auth/logout", headers={"X-CSRF-Token": await _csrf(buyer_client)}
    )
    await login(buyer_client, OTHER)
    response = await buyer_client.get(f"{PLACED}/{order['id']}")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "We could not find that order in your account.",
    }


async def test_a_garbage_id_is_not_found(buyer_client: httpx.AsyncClient, shop: Shop) -> None:
    for garbage in ("not-an-id", "1234", "x" * 300, "00000000-0000-0000-0000-000000000000"):
        response = await buyer_client.get(f"{PLACED}/{garbage}")
        assert response.status_code == 404, garbage
        assert response.json()["message"] == "We could not find that order in your account."
    # A NUL never gets as far as the route.
    nul = await buyer_client.get(f"{PLACED}/%00")
    assert nul.status_code == 422
    assert nul.json() == {
        "error": "validation_failed",
        "message": "Text may not contain the NUL character (U+0000).",
    }


async def test_a_buyer_without_checkout_or_orders_permission_is_refused(
    buyer_client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    order = await place(buyer_client, "PO-API-4")
    await customer_service.create_buyer(
        db,
        shop.store.id,
        customer_account_id=shop.accounts["C0004935"].id,
        email="invoices-only@example.com",
        password="invoices-only-pw",
        permissions=("invoices",),
    )
    await db.commit()
    await buyer_client.post(
        "/api/v1/auth/logout", headers={"X-CSRF-Token": await _csrf(buyer_client)}
    )
    await login(buyer_client, ("invoices-only@example.com", "invoices-only-pw"))
    response = await buyer_client.get(f"{PLACED}/{order['id']}")
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "Your account does not have access to orders.",
    }


async def _csrf(client: httpx.AsyncClient) -> str:
    token: str = (await client.get("/api/v1/storefront/me")).json()["csrf_token"]
    return token
