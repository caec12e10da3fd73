"""Behind a reverse proxy the sign-in limits count the client's address, not the proxy's, but only
when the proxy is listed in ERPGATE_FORWARDED_ALLOW_IPS: `erpgate serve` runs uvicorn with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.app import create_app
from erpgate.cli import main, proxy_options
from erpgate.config import ConfigError, Settings, load_settings
from erpgate.models.login_attempt import LoginAttempt
from tests.plugins.live_server import free_port

CLIENT = "203.0.113.9"


async def _address_seen(settings: Settings, db: AsyncSession) -> str:
    """Serve the app with uvicorn as `erpgate serve` does; fail one admin sign-in through a
    proxy (this test, on 127.0.0.1) that says the client is CLIENT; return the address counted."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        **proxy_options(settings),
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answer = await http.post(
                "/api/v1/admin/auth/login",
                json={"email": "nobody@example.com", "password": "wrong-password"},
                headers={"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https"},
            )
        assert answer.status_code == 401
    finally:
        server.should_exit = True
        await serving
    address: str = (await db.execute(select(LoginAttempt.address))).scalar_one()
    return address


@pytest.mark.parametrize(("trusted", "seen"), [("127.0.0.1", CLIENT), ("10.0.0.0/8", "127.0.0.1")])
async def test_the_sign_in_limit_counts_the_forwarded_client_only_from_a_trusted_proxy(
    settings: Settings, db: AsyncSession, trusted: str, seen: str
) -> None:
    proxied = load_settings(**{**settings.model_dump(), "forwarded_allow_ips": trusted})
    assert await _address_seen(proxied, db) == seen


def test_a_malformed_entry_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match=r"ERPGATE_FORWARDED_ALLOW_IPS: 'nginx' is not an IP"):
        load_settings(forwarded_allow_ips="10.0.0.1, nginx")


def test_serve_hands_the_setting_to_uvicorn(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("ERPGATE_DATABASE_URL", database_url)
    monkeypatch.setenv("ERPGATE_FORWARDED_ALLOW_IPS", "10.1.2.3, 192.168.0.0/16")
    result = CliRunner().invoke(main, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is True
    assert seen["forwarded_allow_ips"] == ["10.1.2.3", "192.168.0.0/16"]
