"""Customers › All users: search, paging, create and edit, in the API and the pages."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import service as customer_service
from tests.admin.conftest import World, sign_in


async def test_create_search_and_edit_accounts_and_users_over_the_api(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "support@alpha.example")
    headers = {"x-csrf-token": csrf}
    created = await client.post(
        "/api/v1/admin/customers",
        json={"name": "Gibsonburg Hardware", "customer_code": "C010268", "seller_reference": "S-7"},
        headers=headers,
    )
    assert created.status_code == 201
    account_id = created.json()["id"]
    duplicate = await client.post(
        "/api/v1/admin/customers",
        json={"name": "Other", "customer_code": "C010268"},
        headers=headers,
    )
    assert duplicate.status_code == 409
    found = (await client.get("/api/v1/admin/customers?q=gibson")).json()
    assert [c["customer_code"] for c in found["items"]] == ["C010268"]
    assert found["total"] == 1

    edited = await client.put(
        f"/api/v1/admin/customers/{account_id}",
        json={"seller_reference": "S-8"},
        headers=headers,
    )
    assert edited.json()["seller_reference"] == "S-8"
    assert edited.json()["customer_code"] == "C010268"

    user = await client.post(
        "/api/v1/admin/users",
        json={
            "customer_account_id": account_id,
            "email": "Pat@Gibsonburg.example",
            "permissions": ["orders", "invoices"],
        },
        headers=headers,
    )
    assert user.status_code == 201
    assert user.json()["email"] == "pat@gibsonburg.example"
    assert user.json()["has_password"] is False
    changed = await client.put(
        f"/api/v1/admin/users/{user.json()['id']}",
        json={"permissions": ["balance"], "is_active": False},
        headers=headers,
    )
    assert changed.json()["permissions"] == ["balance"]
    assert changed.json()["is_active"] is False
    bad = await client.put(
        f"/api/v1/admin/users/{user.json()['id']}",
        json={"permissions": ["everything"]},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"permissions": "unknown permission"}


async def test_lists_are_paged_fifty_at_a_time(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    for i in range(55):
        await customer_service.create_account(
            db, world.a.store.id, name=f"Bulk {i:02d}", customer_code=f"B{i:02d}"
        )
    await db.commit()
    await sign_in(client, "owner@alpha.example")
    first = (await client.get("/api/v1/admin/customers?q=bulk")).json()
    second = (await client.get("/api/v1/admin/customers?q=bulk&page=2")).json()
    assert (first["total"], first["pages"], len(first["items"])) == (55, 2, 50)
    assert [c["name"] for c in second["items"]] == [f"Bulk {i}" for i in range(50, 55)]
    page = await client.get("/admin/customers?q=bulk&page=2")
    assert "Page 2 of 2 (55 in all)" in page.text


async def test_a_bad_user_form_keeps_what_was_typed(
    world: World, client: httpx.AsyncClient
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    response = await client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "customer_account_id": str(world.a.account.id),
            "email": "buyer@alpha.example",
            "name": "Second Buyer",
            "permissions": ["orders"],
        },
    )
    assert response.status_code == 409
    assert "A user with e-mail buyer@alpha.example exists already." in response.text
    assert 'value="Second Buyer"' in response.text


async def test_a_developer_cannot_edit_users(world: World, client: httpx.AsyncClient) -> None:
    csrf = await sign_in(client, "developer@alpha.example")
    response = await client.put(
        f"/api/v1/admin/users/{world.a.user.id}",
        json={"name": "x"},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 403


async def test_a_refused_edit_on_a_page_changes_nothing_and_keeps_what_was_typed(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    response = await client.post(
        f"/admin/customers/{world.a.account.id}",
        data={"csrf_token": csrf, "name": " ", "customer_code": "C-NEW", "seller_reference": ""},
    )
    assert response.status_code == 422
    assert "A customer account needs a name." in response.text
    assert 'value="C-NEW"' in response.text
    stored = await customer_service.get_account(db, world.a.store.id, world.a.account.id)
    assert (stored.name, stored.customer_code) == ("alpha Customer", "C-ALPHA")


async def test_lengths_hold_for_create_and_edit_in_the_api_and_the_pages(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    headers = {"x-csrf-token": csrf}
    huge = await client.post(
        "/api/v1/admin/customers",
        json={"name": "n" * 7_000_000, "customer_code": "C-HUGE"},
        headers=headers,
    )
    assert huge.status_code == 422
    assert huge.json()["fields"] == {"name": "At most 200 characters."}
    edited = await client.put(
        f"/api/v1/admin/customers/{world.a.account.id}", json={"name": "n" * 201}, headers=headers
    )
    assert edited.status_code == 422
    assert edited.json()["fields"] == {"name": "At most 200 characters."}
    user = await client.put(
        f"/api/v1/admin/users/{world.a.user.id}", json={"name": "n" * 201}, headers=headers
    )
    assert user.json()["fields"] == {"name": "At most 200 characters."}
    page = await client.post(
        "/admin/customers",
        data={"csrf_token": csrf, "name": "n" * 201, "customer_code": "C-PAGE"},
    )
    assert page.status_code == 422
    assert "The name has at most 200 characters." in page.text
    assert f'value="{"n" * 201}"' in page.text
    stored = await customer_service.get_account(db, world.a.store.id, world.a.account.id)
    assert stored.name == "alpha Customer"
    found = (await client.get("/api/v1/admin/customers")).json()
    assert found["total"] == 1
