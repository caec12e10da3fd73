"""Customers › an account's ship-to addresses: added and removed by staff who manage users,
validated, and scoped to the admin's own store."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import addresses
from tests.admin.conftest import World, sign_in

DOCK = {"label": "Dock", "address1": "1 Quay St", "city": "Toledo", "zip": "43605"}
DOCK |= {"country": "us"}


async def test_an_admin_adds_and_removes_an_accounts_address(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    store_id, account_id = world.a.store.id, world.a.account.id
    csrf = await sign_in(client, "owner@alpha.example")
    page_url = f"/admin/customers/{account_id}"
    added = await client.post(f"{page_url}/addresses", data={**DOCK, "csrf_token": csrf})
    assert added.status_code == 303
    [stored] = await addresses.list_addresses(db, store_id, account_id)
    assert (stored.label, stored.country, stored.name) == ("Dock", "US", None)
    page = await client.get(page_url)
    assert "Dock: 1 Quay St, Toledo, 43605, US" in page.text

    removed = await client.post(
        f"{page_url}/addresses/{stored.id}/remove", data={"csrf_token": csrf}
    )
    assert removed.status_code == 303
    await db.rollback()  # a fresh read
    assert await addresses.list_addresses(db, store_id, account_id) == []
    assert "No addresses yet." in (await client.get(page_url)).text


async def test_a_bad_address_names_each_field_and_keeps_what_was_typed(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    page = await client.post(
        f"/admin/customers/{world.a.account.id}/addresses",
        data={"csrf_token": csrf, "label": "HQ", "city": "c" * 101, "zip": "1", "country": "USA"},
    )
    assert page.status_code == 422
    assert "Some of the address is missing or not valid." in page.text
    assert "Street address is required." in page.text
    assert "At most 100 characters." in page.text
    assert "Two letters, such as US or DE." in page.text
    assert 'value="HQ"' in page.text and 'value="USA"' in page.text
    assert 'value="alpha Customer"' in page.text  # the account's own form is untouched
    assert await addresses.list_addresses(db, world.a.store.id, world.a.account.id) == []


async def test_another_stores_account_and_address_are_out_of_reach(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    their_store, their_account = world.b.store.id, world.b.account.id
    theirs = await addresses.add_address(db, their_store, their_account, DOCK)
    await db.commit()
    csrf = await sign_in(client, "owner@alpha.example")
    add = await client.post(
        f"/admin/customers/{their_account}/addresses", data={**DOCK, "csrf_token": csrf}
    )
    assert add.status_code == 404
    remove = await client.post(
        f"/admin/customers/{world.a.account.id}/addresses/{theirs.id}/remove",
        data={"csrf_token": csrf},
    )
    assert remove.status_code == 404
    await db.rollback()
    assert len(await addresses.list_addresses(db, their_store, their_account)) == 1


async def test_only_staff_who_manage_users_change_addresses(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "developer@alpha.example")
    refused = await client.post(
        f"/admin/customers/{world.a.account.id}/addresses", data={**DOCK, "csrf_token": csrf}
    )
    assert refused.status_code == 403
    page = await client.get(f"/admin/customers/{world.a.account.id}")
    assert page.status_code == 200
    assert 'id="add-address"' not in page.text
    forged = await client.post(
        f"/admin/customers/{world.a.account.id}/addresses", data={**DOCK, "csrf_token": "x"}
    )
    assert forged.status_code == 403
    assert await addresses.list_addresses(db, world.a.store.id, world.a.account.id) == []
