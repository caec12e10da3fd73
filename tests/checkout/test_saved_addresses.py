"""Checkout offers the customer account's saved addresses; a buyer sees and uses only their own
account's."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import cart as cart_service
from erpgate.customer import addresses
from erpgate.models.customer_address import CustomerAddress
from tests.storefront.conftest import BUYER, OTHER, Shop, login

WAREHOUSE = {
    "label": "Warehouse 3",
    "name": "ACME Receiving",
    "address1": "1200 Front St",
    "city": "Toledo",
    "state": "OH",
    "zip": "43605",
    "country": "us",
}
OFFICE = {"address1": "9 Main St", "city": "Dayton", "zip": "45402", "country": "US"}
THEIRS = {"label": "Gibsonburg Dock 7", "address1": "7 Dock Rd", "city": "Gibsonburg"}
THEIRS |= {"zip": "43431", "country": "US"}


async def _saved(
    db: AsyncSession, shop: Shop, code: str, values: dict[str, str]
) -> CustomerAddress:
    address = await addresses.add_address(db, shop.store.id, shop.accounts[code].id, values)
    await db.commit()
    return address


async def _with_a_cart(client: httpx.AsyncClient, who: tuple[str, str]) -> str:
    csrf = await login(client, who)
    added = await client.post(
        "/store/demo/cart/add", data={"sku": "5620", "quantity": "1", "csrf_token": csrf}
    )
    assert added.status_code == 303
    return csrf


async def test_a_saved_address_fills_the_ship_to_and_gets_a_quote(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    warehouse = await _saved(db, shop, "C0004935", WAREHOUSE)
    await _saved(db, shop, "C0004935", OFFICE)
    csrf = await _with_a_cart(client, BUYER)

    offered = await client.get("/store/demo/checkout")
    assert offered.status_code == 200
    assert 'action="/store/demo/checkout/saved-address"' in offered.text
    assert (
        f'<option value="{warehouse.id}" >Warehouse 3: ACME Receiving, 1200 Front St, Toledo, OH, '
        "43605, US</option>" in offered.text
    )
    assert "9 Main St, Dayton, 45402, US</option>" in offered.text
    assert 'name="address1" value=""' in offered.text  # nothing chosen yet

    chosen = await client.post(
        "/store/demo/checkout/saved-address",
        data={"address_id": str(warehouse.id), "csrf_token": csrf},
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/store/demo/checkout"
    page = await client.get("/store/demo/checkout")
    assert 'name="address1" value="1200 Front St"' in page.text
    assert 'name="country" value="US"' in page.text
    assert f'<option value="{warehouse.id}" selected>' in page.text
    assert "Place order" in page.text
    cart = await cart_service.get_cart(db, shop.store.id, shop.users[BUYER[0]].id)
    assert cart.ship_to == {
        "name": "ACME Receiving",
        "address1": "1200 Front St",
        "city": "Toledo",
        "state": "OH",
        "zip": "43605",
        "country": "US",
    }


async def test_a_buyer_never_sees_or_uses_another_accounts_address(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    ours = await _saved(db, shop, "C0004935", WAREHOUSE)
    theirs = await _saved(db, shop, "C010268", THEIRS)
    csrf = await _with_a_cart(client, BUYER)

    page = await client.get("/store/demo/checkout")
    assert "Warehouse 3" in page.text
    assert "Gibsonburg Dock 7" not in page.text and str(theirs.id) not in page.text

    taken = await client.post(
        "/store/demo/checkout/saved-address",
        data={"address_id": str(theirs.id), "csrf_token": csrf},
    )
    assert taken.status_code == 422
    assert "Choose one of your account&#39;s addresses." in taken.text
    assert "7 Dock Rd" not in taken.text
    cart = await cart_service.get_cart(db, shop.store.id, shop.users[BUYER[0]].id)
    assert cart.ship_to == {}

    await _with_a_cart(client, OTHER)
    other_page = await client.get("/store/demo/checkout")
    assert "Gibsonburg Dock 7" in other_page.text
    assert "Warehouse 3" not in other_page.text and str(ours.id) not in other_page.text


async def test_a_bad_choice_is_a_clear_error_and_a_forged_one_is_refused(
    client: httpx.AsyncClient, shop: Shop, db: AsyncSession
) -> None:
    warehouse = await _saved(db, shop, "C0004935", WAREHOUSE)
    csrf = await _with_a_cart(client, BUYER)
    for bad in ("not-an-id", "", str(uuid.uuid4())):
        page = await client.post(
            "/store/demo/checkout/saved-address", data={"address_id": bad, "csrf_token": csrf}
        )
        assert page.status_code == 422, bad
        assert "Choose one of your account&#39;s addresses." in page.text
    forged = await client.post(
        "/store/demo/checkout/saved-address",
        data={"address_id": str(warehouse.id), "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    cart = await cart_service.get_cart(db, shop.store.id, shop.users[BUYER[0]].id)
    assert cart.ship_to == {}


async def test_without_saved_addresses_checkout_shows_only_the_form(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await _with_a_cart(client, BUYER)
    page = await client.get("/store/demo/checkout")
    assert page.status_code == 200
    assert "saved-address" not in page.text
    assert 'action="/store/demo/checkout/address"' in page.text
