"""The adapter settings API: read, save (a shipped profile's copy or an edited one), remove,
422 on every kind of garbage with nothing saved, CSRF, roles, the audit log, and the integration
snapshot reading the saved endpoints through the profile."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.erp.adapters.profile import profile_json, shipped_profile
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions
from erpgate.integration.service import load_live_integration
from erpgate.kit.crypto import SecretBox
from erpgate.models.audit_log import AuditLog
from erpgate.models.integration import Integration
from tests.adapter.helpers import API
from tests.event.helpers import make_shop, sign_in_admin

ERP = "http://127.0.0.1:8100/erp"


def bc_copy(**changes: Any) -> dict[str, Any]:
    data = profile_json(shipped_profile("business-central"))
    data.update(changes)
    return data


async def _stored(db: AsyncSession) -> dict[str, Any] | None:
    db.expire_all()
    value: dict[str, Any] | None = (await db.execute(select(Integration.adapter))).scalar_one()
    return value


async def test_a_store_without_an_adapter_reads_nothing_but_the_shipped_profiles(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id, role="support")

    answer = await client.get(API)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["profile"], body["endpoints"], body["problem"]) == (None, [], None)
    assert [s["name"] for s in body["shipped"]] == ["business-central", "sap-b1", "erpnext", "odoo"]
    assert body["shipped"][0]["label"] == "Microsoft Dynamics 365 Business Central (API v2.0)"


async def test_put_a_shipped_name_saves_its_copy_and_the_snapshot_reads_through_it(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, erp_urls={"orders": f"{ERP}/orders"}, key="client-id")
    csrf = await sign_in_admin(client, db, shop.store.id)
    store_id = shop.store.id
    options = ErpClientOptions()
    box = SecretBox(settings.encryption_keys)
    before = await load_live_integration(db, store_id, box, options, cache_seconds=60)

    saved = await client.put(
        API,
        json={"profile": "business-central", "endpoints": ["orders", "balance"]},
        headers={"X-CSRF-Token": csrf},
    )

    assert saved.status_code == 200, saved.text
    assert saved.json()["profile"] == bc_copy()
    assert saved.json()["endpoints"] == ["orders", "balance"]
    assert await _stored(db) == {"profile": bc_copy(), "endpoints": ["orders", "balance"]}
    assert (await client.get(API)).json()["profile"] == bc_copy()
    # The cached snapshot was dropped: the next one reads both endpoints through the profile.
    after = await load_live_integration(db, store_id, box, options, cache_seconds=60)
    assert before.adapted == frozenset()
    assert after.adapted == {Endpoint.ORDERS, Endpoint.BALANCE}
    target = after.targets[Endpoint.ORDERS]
    assert target.adapter is not None and target.adapter.profile.name == "business-central"
    assert target.url.startswith("https://api.businesscentral.dynamics.com/")


async def test_put_an_edited_profile_and_delete_are_audited_without_values(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id, role="admin")
    headers = {"X-CSRF-Token": csrf}
    await client.put(API, json={"profile": "business-central", "endpoints": []}, headers=headers)
    edited = bc_copy(base_url="https://erp.example.com/api/v2.0/companies(X)/")

    changed = await client.put(
        API, json={"profile": edited, "endpoints": ["orders"]}, headers=headers
    )
    removed = await client.delete(API, headers=headers)

    assert changed.status_code == 200 and changed.json()["profile"] == edited
    assert removed.status_code == 200
    assert (removed.json()["profile"], removed.json()["endpoints"]) == (None, [])
    assert await _stored(db) is None
    entries = (
        (await db.execute(select(AuditLog).order_by(AuditLog.occurred_at, AuditLog.id)))
        .scalars()
        .all()
    )
    adapter_entries = [e for e in entries if e.action == "integration.adapter_changed"]
    assert len(adapter_entries) == 3
    created, edit, deletion = (e.details["changes"] for e in adapter_entries)
    assert {"field": "adapter profile", "old": "none", "new": "business-central"} in created
    assert edit == [
        {"field": "adapter endpoints", "old": "none", "new": "orders"},
        {"field": "adapter profile base_url", "old": None, "new": "changed"},
    ]
    assert {"field": "adapter profile", "old": "business-central", "new": "none"} in deletion
    assert "erp.example.com" not in str([e.details for e in adapter_entries])


GARBAGE: list[tuple[Any, str]] = [
    ({"profile": "no-such-erp", "endpoints": []}, "no shipped profile 'no-such-erp'"),
    ({"profile": 42, "endpoints": []}, "profile: profile: Input should be a valid dictionary"),
    ({"profile": {"name": "x"}, "endpoints": []}, "profile: base_url: Field required"),
    (
        {"profile": bc_copy(base_url=""), "endpoints": []},
        "profile: base_url: String should have at least 1 character",
    ),
    (
        {"profile": bc_copy(auth={"driver": "telepathy"}), "endpoints": []},
        "profile: auth.driver: Input should be 'bearer', 'header', 'token', 'oauth2' or "
        "'login_session'",
    ),
    ({"profile": "business-central", "endpoints": ["taxes"]}, "endpoints: 'taxes' is not one of"),
    ({"profile": "business-central", "endpoints": "orders"}, "endpoints: expected a list"),
]


@pytest.mark.parametrize(("body", "problem"), GARBAGE)
async def test_garbage_is_422_with_every_problem_and_saves_nothing(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings, body: Any, problem: str
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)

    answer = await client.put(API, json=body, headers={"X-CSRF-Token": csrf})

    assert answer.status_code == 422, answer.text
    assert any(p.startswith(problem) for p in answer.json()["problems"]), answer.json()
    assert answer.json()["fields"]
    assert await _stored(db) is None


async def test_a_mapping_that_does_not_compile_is_named_and_nothing_saved(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)
    profile = bc_copy()
    profile["endpoints"]["orders"]["mapping"] = '{\n  "data": [value.{\n    "x": $nosuch(\n}'
    del profile["endpoints"]["balance"]

    answer = await client.put(
        API,
        json={"profile": profile, "endpoints": ["orders", "balance"]},
        headers={"X-CSRF-Token": csrf},
    )

    problems = answer.json()["problems"]
    assert answer.status_code == 422
    assert len(problems) == 1 and problems[0].startswith(
        "profile: endpoints.orders.mapping: Parse error"
    )
    # the profile did not load, so the endpoint list is not judged against it
    assert answer.json()["fields"].keys() == {"profile"}
    assert await _stored(db) is None


async def test_writes_need_the_csrf_token_and_the_configure_role(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id, role="developer")
    body = {"profile": "business-central", "endpoints": ["orders"]}

    viewer_put = await client.put(API, json=body, headers={"X-CSRF-Token": csrf})
    viewer_delete = await client.delete(API, headers={"X-CSRF-Token": csrf})
    viewer_get = await client.get(API)
    await client.post("/api/v1/admin/auth/logout", headers={"X-CSRF-Token": csrf})
    owner_csrf = await sign_in_admin(client, db, shop.store.id, role="owner")
    forged = await client.put(API, json=body)
    wrong = await client.put(API, json=body, headers={"X-CSRF-Token": "not-the-token"})
    accepted = await client.put(API, json=body, headers={"X-CSRF-Token": owner_csrf})

    assert (viewer_put.status_code, viewer_delete.status_code) == (403, 403)
    assert viewer_get.status_code == 200
    assert (forged.status_code, wrong.status_code) == (403, 403)
    assert accepted.status_code == 200


async def test_a_store_without_the_app_cannot_save_an_adapter(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    from erpgate.store.service import create_store

    store = await create_store(db, slug="bare", name="Bare")
    await db.commit()
    csrf = await sign_in_admin(client, db, store.id)

    answer = await client.put(
        API, json={"profile": "odoo", "endpoints": []}, headers={"X-CSRF-Token": csrf}
    )

    assert answer.status_code == 409
    assert "Install the Generic ERP Integration app first" in answer.json()["message"]


async def test_the_adapters_secrets_are_write_only_encrypted_kept_and_audited_as_changed(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, erp_urls={"orders": f"{ERP}/orders"}, token="mw-token")
    store_id = shop.store.id
    csrf = await sign_in_admin(client, db, store_id)
    headers = {"X-CSRF-Token": csrf}
    body = {"profile": "sap-b1", "endpoints": ["orders"]}

    saved = await client.put(
        API, json={**body, "key": "manager", "token": "b1-password-77"}, headers=headers
    )

    assert saved.status_code == 200, saved.text
    assert (saved.json()["key_set"], saved.json()["token_set"]) == (True, True)
    assert "b1-password-77" not in saved.text and "manager" not in saved.text
    stored = await _stored(db)
    assert stored is not None and "b1-password-77" not in str(stored)
    box = SecretBox(settings.encryption_keys)
    assert box.decrypt(stored["token_encrypted"]) == "b1-password-77"
    # Saved again without them: both kept. The snapshot's adapter uses them, not the
    # integration's own Token (which the contract URLs keep using).
    again = await client.put(API, json=body, headers=headers)
    assert (again.json()["key_set"], again.json()["token_set"]) == (True, True)
    live = await load_live_integration(db, store_id, box, ErpClientOptions())
    adapted = live.targets[Endpoint.ORDERS]
    assert (adapted.credentials.key, adapted.credentials.token) == ("manager", "b1-password-77")
    assert live.credentials.token == "mw-token"
    # An empty Token removes it; the adapter then refuses to call, saying why.
    cleared = await client.put(API, json={**body, "token": ""}, headers=headers)
    assert (cleared.json()["key_set"], cleared.json()["token_set"]) == (True, False)
    live = await load_live_integration(db, store_id, box, ErpClientOptions())
    refusal = live.targets[Endpoint.ORDERS].refusal
    assert refusal is not None and "needs a Key and a Token" in refusal.human
    entries = (await db.execute(select(AuditLog).order_by(AuditLog.occurred_at))).scalars().all()
    changed = [c for e in entries for c in (e.details or {}).get("changes", [])]
    assert {"field": "adapter token", "old": None, "new": "changed"} in changed
    assert "b1-password-77" not in str([e.details for e in entries])


async def test_a_secret_with_a_line_break_is_refused_and_nothing_is_saved(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings, erp_urls={"orders": f"{ERP}/orders"})
    csrf = await sign_in_admin(client, db, shop.store.id)

    answer = await client.put(
        API,
        json={"profile": "odoo", "endpoints": ["orders"], "token": "a\nb"},
        headers={"X-CSRF-Token": csrf},
    )

    assert answer.status_code == 422
    assert answer.json()["fields"]["token"] == (
        "The adapter Token contains a line break or another control character."
    )
    assert await _stored(db) is None
