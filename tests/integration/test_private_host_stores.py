"""An allowlist entry naming a store (ERPGATE_ALLOWED_PRIVATE_HOSTS=127.0.0.1:PORT@acme) lets that
store, and no other, call the mock ERP: in the settings form and when the storefront calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.app import create_app
from erpgate.config import ConfigError, Settings
from erpgate.erp.errors import ErpSsrfError
from erpgate.mock_erp.server import MockErpHandle
from tests.event.helpers import make_shop, sign_in_admin
from tests.outcomes.helpers import live_of, read_orders


@asynccontextmanager
async def _app(settings: Settings, *entries: str) -> AsyncIterator[FastAPI]:
    values = {**settings.model_dump(), "allowed_private_hosts": ",".join(entries)}
    application = create_app(Settings(**values))
    async with application.router.lifespan_context(application):
        yield application


async def test_only_the_named_store_may_call_the_listed_port(
    db: AsyncSession, settings: Settings, mock_erp: MockErpHandle
) -> None:
    acme = await make_shop(db, settings, slug="acme", erp_urls=mock_erp.urls)
    other = await make_shop(db, settings, slug="other", erp_urls=mock_erp.urls)
    port = mock_erp.base_url.rsplit(":", 1)[1]

    async with _app(settings, f"127.0.0.1:{port}@acme") as app:
        allowed = await read_orders(app, await live_of(app, db, acme), acme)
        refused = await read_orders(app, await live_of(app, db, other), other)
        assert allowed.ok
        assert isinstance(refused.error, ErpSsrfError)
        assert refused.error.human == "Refused to call 127.0.0.1: loopback address"

        transport = httpx.ASGITransport(app=app)
        for shop, status in ((acme, 200), (other, 422)):
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                csrf = await sign_in_admin(c, db, shop.store.id, role="owner")
                answer = await c.patch(
                    "/api/v1/admin/integration",
                    json={"token": "tok-1234567", "urls": {"orders": mock_erp.urls["orders"]}},
                    headers={"x-csrf-token": csrf},
                )
            assert answer.status_code == status, answer.text
        # PATCH checks the whole resulting configuration: every stored URL of the other store
        # points at the listed port, and each is refused for it.
        fields = answer.json()["fields"]
        assert fields["urls.orders"] == "Refused to call 127.0.0.1: loopback address."
        assert set(fields.values()) == {"Refused to call 127.0.0.1: loopback address."}
    assert mock_erp.calls("orders") == 1


async def test_an_entry_naming_a_missing_store_refuses_to_start(
    db: AsyncSession, settings: Settings
) -> None:
    await make_shop(db, settings, slug="acme")
    with pytest.raises(ConfigError) as caught:
        async with _app(settings, "127.0.0.1:8100@acme,demo,erp"):
            pass
    assert str(caught.value).startswith(
        "ERPGATE_ALLOWED_PRIVATE_HOSTS names stores that do not exist: demo, erp."
    )
