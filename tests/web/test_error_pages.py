"""What people get when an address is wrong: a page in the product's words, or the JSON API's
error shape — never a framework's `{"detail": "Not Found"}` or a developer's validation text."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from tests.event.helpers import make_shop, sign_in_admin

HTML = {"accept": "text/html"}


async def test_an_unknown_admin_page_is_a_page_not_raw_json(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)

    page = await client.get("/admin/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is nothing at this address." in page.text
    assert '"detail"' not in page.text

    api = await client.get("/api/v1/admin/no-such-thing")
    assert api.status_code == 404
    assert api.json() == {"error": "not_found", "message": "There is nothing at this address."}

    wrong_method = await client.delete("/admin/events", headers=HTML)
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["allow"]
    assert "does not take that kind of request" in wrong_method.text


async def test_a_malformed_id_in_an_admin_address_is_a_page_in_plain_words(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    await sign_in_admin(client, db, shop.store.id)

    page = await client.get("/admin/events/not-a-uuid", headers=HTML)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "event_id: is not a valid id" in page.text
    assert "Input should" not in page.text and "uuid_parsing" not in page.text

    api = await client.get("/api/v1/admin/events/not-a-uuid")
    assert api.status_code == 422
    assert api.json()["fields"] == {"event_id": "is not a valid id"}
