"""Production cookies over plain http (not loopback) make every sign-in fail: the sign-in pages
and the log say so, and what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from erpgate.app import create_app
from erpgate.config import Settings
from erpgate.kit.crypto import generate_key
from erpgate.store import service as store_service
from erpgate.web import transport

ADVICE = "ERPGATE_COOKIE_SECURE=false"


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[FastAPI]:
    values = {
        **settings.model_dump(),
        "environment": "production",
        "session_secret": "s" * 40,
        "secret_keys": generate_key(),
    }
    application = create_app(Settings(**values))
    async with application.router.lifespan_context(application):
        yield application


async def _page(app: FastAPI, base_url: str, path: str) -> str:
    transport_ = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport_, base_url=base_url) as client:
        answer = await client.get(path)
    assert answer.status_code == 200
    return answer.text


async def test_sign_in_pages_over_plain_http_say_what_to_do(
    production: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "_warned_hosts", set())
    await store_service.create_store(db, slug="acme", name="Acme")
    await db.commit()
    with capture_logs() as logs:
        admin = await _page(production, "http://erp.example.com", "/admin/login")
        buyer = await _page(production, "http://erp.example.com", "/store/acme/login")
    assert ADVICE in admin and "serve erpgate over https" in admin.lower()
    assert ADVICE in buyer
    warnings = [entry for entry in logs if entry["event"] == "secure_cookies_over_http"]
    assert [(w["host"], w["log_level"]) for w in warnings] == [("erp.example.com", "warning")]
    assert ADVICE in warnings[0]["hint"]


@pytest.mark.parametrize(
    "base_url", ["https://erp.example.com", "http://127.0.0.1:8000", "http://localhost:8000"]
)
async def test_https_and_loopback_get_no_notice(production: FastAPI, base_url: str) -> None:
    assert ADVICE not in await _page(production, base_url, "/admin/login")


async def test_development_over_plain_http_gets_no_notice(app: FastAPI) -> None:
    assert ADVICE not in await _page(app, "http://erp.example.com", "/admin/login")
