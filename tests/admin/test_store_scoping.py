"""An admin of store A asking for store B's customers, users or impersonation gets 404."""

from __future__ import annotations

import httpx
import pytest

from tests.admin.conftest import World, sign_in


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/admin/customers/{account}", None),
        ("PUT", "/api/v1/admin/customers/{account}", {"name": "Hijacked"}),
        ("GET", "/api/v1/admin/users/{user}", None),
        ("PUT", "/api/v1/admin/users/{user}", {"name": "Hijacked"}),
        ("GET", "/admin/customers/{account}", None),
        ("POST", "/admin/customers/{account}", {"name": "Hijacked", "customer_code": "X"}),
        ("GET", "/admin/users/{user}", None),
        ("POST", "/admin/users/{user}", {"name": "Hijacked"}),
        ("POST", "/admin/users/{user}/impersonate", {}),
    ],
)
async def test_another_stores_ids_are_not_found(
    world: World, client: httpx.AsyncClient, method: str, path: str, body: dict[str, str] | None
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    url = path.format(account=world.b.account.id, user=world.b.user.id)
    headers = {"x-csrf-token": csrf, "accept": "application/json"}
    if body is None:
        response = await client.request(method, url, headers=headers)
    elif url.startswith("/api/"):
        response = await client.request(method, url, json=body, headers=headers)
    else:
        response = await client.request(
            method, url, data={**body, "csrf_token": csrf}, headers=headers
        )
    assert response.status_code == 404, response.text


async def test_lists_and_settings_only_show_the_admins_own_store(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "owner@alpha.example")
    customers = (await client.get("/api/v1/admin/customers")).json()
    assert [c["customer_code"] for c in customers["items"]] == ["C-ALPHA"]
    users = (await client.get("/api/v1/admin/users?q=beta")).json()
    assert users["items"] == [] and users["total"] == 0
    by_account = await client.get(f"/api/v1/admin/users?customer_account_id={world.b.account.id}")
    assert by_account.json()["items"] == []
    assert (await client.get("/api/v1/admin/integration")).json()["installed"] is False
