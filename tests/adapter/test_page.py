"""The ERP adapter page: start from a shipped profile, every field round-trips through save,
a bad value keeps everything typed with its sentence beside the field, the preview of the
profile as typed, and the links to the page."""

from __future__ import annotations

import re
from html import unescape

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.adapter import form
from erpgate.config import Settings
from erpgate.erp.adapters.profile import profile_json, shipped_profile
from erpgate.kit.crypto import SecretBox
from erpgate.models.integration import Integration
from tests.adapter.helpers import CUSTOMER, PAGE, bc_orders_answer
from tests.event.helpers import make_shop, sign_in_admin


def field(page: str, name: str) -> str:
    """A field's value as served: an input's value or a textarea's text."""
    pattern = re.escape(name)
    found = re.search(rf'<textarea name="{pattern}"[^>]*>(.*?)</textarea>', page, re.S)
    if found:
        return unescape(found.group(1))
    found = re.search(rf'<input type="text" name="{pattern}" value="([^"]*)"', page)
    assert found, name
    return unescape(found.group(1))


def editor(page: str) -> dict[str, str]:
    """Every editor field of a served page, as a browser would post it."""
    values = {name: field(page, name) for name in ("base_url", "more")}
    for name in form.field_names():
        if name.endswith((".method", ".paging.style")) or name == "auth.driver":
            chosen = re.search(
                rf'<select name="{re.escape(name)}"[^>]*>.*?<option value="([^"]+)" selected',
                page,
                re.S,
            )
            assert chosen, name
            values[name] = chosen.group(1)
        elif name != "base_url":
            values[name] = field(page, name)
    return values


async def _start(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> tuple[str, str]:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id)
    started = await client.post(
        f"{PAGE}/start",
        data={"csrf_token": csrf, "shipped": "business-central", "use.orders": "adapter"},
    )
    assert started.status_code == 200, started.text
    return csrf, started.text


async def test_a_shipped_profile_round_trips_through_the_editor_and_save(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf, page = await _start(client, db, settings)
    assert "Copied the business-central profile into the editor" in page

    saved = await client.post(
        PAGE, data={"csrf_token": csrf, **editor(page), "use.orders": "adapter"}
    )

    assert saved.status_code == 303, saved.text
    db.expire_all()
    stored = (await db.execute(select(Integration.adapter))).scalar_one()
    assert stored == {
        "profile": profile_json(shipped_profile("business-central")),
        "endpoints": ["orders"],
    }
    shown = (await client.get(saved.headers["location"])).text
    assert "Adapter settings saved." in shown
    assert editor(shown) == editor(page)


async def test_a_bad_value_keeps_everything_typed_and_names_the_problem_by_its_field(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf, page = await _start(client, db, settings)
    typed = editor(page)
    typed["endpoints.orders.query"] = '{"$filter": '
    typed["endpoints.invoices.paging.next_link"] = ""
    typed["base_url"] = "https://erp.example.com/typed-and-kept/"

    refused = await client.post(PAGE, data={"csrf_token": csrf, **typed, "use.orders": "adapter"})
    typed["endpoints.orders.query"] = '{"$filter": "x"}'
    second = await client.post(PAGE, data={"csrf_token": csrf, **typed, "use.orders": "adapter"})

    assert refused.status_code == 422
    assert 'id="endpoints.orders.query-error" role="alert">Not JSON' in refused.text
    assert editor(refused.text) == {**typed, "endpoints.orders.query": '{"$filter": '}
    assert second.status_code == 422
    assert re.search(
        r'id="endpoints.invoices.paging.next_link-error" role="alert">'
        r"endpoints.invoices.paging: odata paging needs next_link",
        second.text,
    )
    assert (await db.execute(select(Integration.adapter))).scalar_one() is None


async def test_the_preview_maps_a_pasted_answer_with_the_profile_as_typed(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf, page = await _start(client, db, settings)
    typed = editor(page)
    preview = {"preview_endpoint": "orders", "customer_code": CUSTOMER}
    answer = bc_orders_answer()

    shown = await client.post(
        f"{PAGE}/preview",
        data={"csrf_token": csrf, **typed, **preview, "answer": orjson.dumps(answer).decode()},
    )
    typed["endpoints.orders.mapping"] = '{\n  "data": [value.{\n    "order_id": $nosuch(1)}]\n}'
    broken = await client.post(
        f"{PAGE}/preview",
        data={"csrf_token": csrf, **typed, **preview, "answer": orjson.dumps(answer).decode()},
    )
    no_code = await client.post(
        f"{PAGE}/preview", data={"csrf_token": csrf, **typed, "preview_endpoint": "orders"}
    )

    assert shown.status_code == 200, shown.text
    assert "Fits the contract" in shown.text
    assert "&#34;order_id&#34;: &#34;S-ORD101001&#34;" in shown.text
    assert "<strong>Mapping line 3:</strong>" in broken.text
    assert field(broken.text, "endpoints.orders.mapping") == typed["endpoints.orders.mapping"]
    assert no_code.status_code == 422
    assert 'id="preview.customer_code-error"' in no_code.text


async def test_the_page_is_linked_and_read_only_without_the_configure_role(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db, settings)
    csrf = await sign_in_admin(client, db, shop.store.id, role="support")

    settings_page = await client.get("/admin/apps/generic-erp")
    page = await client.get(PAGE)
    refused = await client.post(PAGE, data={"csrf_token": csrf, "use.orders": "adapter"})

    assert 'href="/admin/apps/generic-erp/adapter"' in settings_page.text
    assert page.status_code == 200
    assert "Save adapter" not in page.text and "Start from" not in page.text
    assert refused.status_code == 403


async def test_the_adapters_secrets_are_never_shown_again_and_an_empty_field_keeps_them(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    csrf, page = await _start(client, db, settings)
    typed = {"csrf_token": csrf, **editor(page), "use.orders": "adapter"}

    broken = await client.post(
        PAGE, data={**typed, "endpoints.orders.query": "{", "secret.token": "bc-secret-919"}
    )
    saved = await client.post(
        PAGE, data={**typed, "secret.key": "client-7", "secret.token": "bc-secret-919"}
    )
    kept = await client.post(PAGE, data={**typed, "secret.key": "", "secret.token": ""})

    assert broken.status_code == 422 and "bc-secret-919" not in broken.text
    assert saved.status_code == 303 and kept.status_code == 303
    shown = (await client.get(PAGE)).text
    assert "bc-secret-919" not in shown and "client-7" not in shown
    assert shown.count("(set; leave empty to keep it)") == 2
    db.expire_all()
    stored = (await db.execute(select(Integration.adapter))).scalar_one()
    box = SecretBox(settings.encryption_keys)
    assert box.decrypt(stored["token_encrypted"]) == "bc-secret-919"
    assert box.decrypt(stored["key_encrypted"]) == "client-7"
