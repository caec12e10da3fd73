"""The store's locale: set on the Store settings page or the API, checked, audited, own store only."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.store import Store
from tests.admin.conftest import World, sign_in


async def _locale(db: AsyncSession, slug: str) -> str:
    """What the app stored, read past this session's copy of the store."""
    found = await db.execute(select(Store.locale).where(Store.slug == slug))
    return found.scalar_one()


UNKNOWN = "xx_XX is not a locale we know; use one such as en_US or de_CH."


async def test_an_owner_sets_the_locale_on_the_page_and_it_is_audited(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    page = await client.get("/admin/store")
    assert page.status_code == 200
    assert 'name="locale" value="en_US"' in page.text
    saved = await client.post("/admin/store", data={"csrf_token": csrf, "locale": "de-CH"})
    assert (saved.status_code, saved.headers["location"]) == (303, "/admin/store?done=saved")
    shown = await client.get("/admin/store?done=saved")
    assert "Store settings saved." in shown.text and 'value="de_CH"' in shown.text
    assert await _locale(db, "alpha") == "de_CH"
    assert await _locale(db, "beta") == "en_US"
    audit = (await client.get("/api/v1/admin/audit?action=store.settings_changed")).json()
    [entry] = audit["items"]
    assert entry["details"]["changes"] == [{"field": "locale", "old": "en_US", "new": "de_CH"}]
    # Saving the same locale again changes nothing and records nothing.
    await client.post("/admin/store", data={"csrf_token": csrf, "locale": "de_CH"})
    again = (await client.get("/api/v1/admin/audit?action=store.settings_changed")).json()
    assert len(again["items"]) == 1


async def test_an_unknown_locale_is_a_field_error_and_nothing_is_saved(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "admin@alpha.example")
    page = await client.post("/admin/store", data={"csrf_token": csrf, "locale": "xx_XX"})
    assert page.status_code == 422
    assert 'value="xx_XX"' in page.text  # what was typed stays
    assert f'<span class="field-error" id="locale-error" role="alert">{UNKNOWN}</span>' in page.text
    assert await _locale(db, "alpha") == "en_US"
    audit = (await client.get("/api/v1/admin/audit?action=store.settings_changed")).json()
    assert audit["items"] == []


async def test_the_api_reads_and_patches_the_locale_and_refuses_unknown_ones(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "owner@alpha.example")
    headers = {"x-csrf-token": csrf}
    read = await client.get("/api/v1/admin/store")
    assert read.json() == {"slug": "alpha", "name": "Alpha", "currency": "USD", "locale": "en_US"}
    patched = await client.patch("/api/v1/admin/store", json={"locale": "fr_FR"}, headers=headers)
    assert patched.status_code == 200 and patched.json()["locale"] == "fr_FR"
    refused = await client.patch("/api/v1/admin/store", json={"locale": "xx_XX"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"locale": UNKNOWN}
    typo = await client.patch("/api/v1/admin/store", json={"locle": "de_CH"}, headers=headers)
    assert typo.status_code == 422
    forged = await client.patch("/api/v1/admin/store", json={"locale": "de_CH"})
    assert forged.status_code == 403
    assert await _locale(db, "alpha") == "fr_FR"


async def test_roles_without_configure_see_the_locale_but_cannot_change_it(
    world: World, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    csrf = await sign_in(client, "support@alpha.example")
    page = await client.get("/admin/store")
    assert page.status_code == 200 and "<dd>en_US</dd>" in page.text
    assert 'name="locale"' not in page.text
    refused = await client.post("/admin/store", data={"csrf_token": csrf, "locale": "de_CH"})
    assert refused.status_code == 403
    api = await client.patch(
        "/api/v1/admin/store", json={"locale": "de_CH"}, headers={"x-csrf-token": csrf}
    )
    assert api.status_code == 403
    assert await _locale(db, "alpha") == "en_US"
