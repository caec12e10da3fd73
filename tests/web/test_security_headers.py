"""Security headers on every answer, pages that need no inline style or script, and JSON sign-outs
that want the CSRF token like every other JSON write."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.web.security_headers import DOCS_POLICY, POLICY
from tests.auth.helpers import seed_store

PASSWORD = "correct-horse-battery"
SOURCE = Path(__file__).resolve().parents[2] / "src" / "erpgate"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)


@pytest.fixture
async def north(db: AsyncSession) -> None:
    await seed_store(
        db,
        slug="north",
        buyer_email="ann@example.com",
        owner_email="o@north.example",
        password=PASSWORD,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/admin/login",
        "/store/north/login",
        "/static/erpgate.css",
        "/healthz",
        "/api/v1/storefront/me",  # 401
        "/store/nowhere/login",  # 404 page
        "/api/v1/admin/customers?q=%00",  # refused by the request guard
        "/admin/customers?page=0",  # 422 page
    ],
)
async def test_every_answer_carries_the_security_headers(
    north: None, client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers={"accept": "text/html"})
    assert response.headers["content-security-policy"] == POLICY
    assert "frame-ancestors 'none'" in POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


async def test_the_api_documentation_pages_run_their_scripts_from_this_site_only(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/docs", "/redoc", "/erp-contract/docs"):
        policy = (await client.get(path)).headers["content-security-policy"]
        assert policy == DOCS_POLICY
        assert "https://" not in policy
        assert "script-src 'self' 'unsafe-inline'" in policy
        assert "frame-ancestors 'none'" in policy


def test_no_template_needs_an_inline_style_or_script() -> None:
    inline = [
        f"{template.relative_to(SOURCE)}:{number}"
        for template in SOURCE.glob("*/templates/**/*.html")
        for number, line in enumerate(template.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert inline == []


async def test_json_sign_outs_want_the_csrf_token(north: None, client: httpx.AsyncClient) -> None:
    admin = await client.post(
        "/api/v1/admin/auth/login", json={"email": "o@north.example", "password": PASSWORD}
    )
    buyer = await client.post(
        "/api/v1/auth/login",
        json={"email": "ann@example.com", "password": PASSWORD, "store": "north"},
    )
    for path, csrf, me in (
        ("/api/v1/admin/auth/logout", admin.json()["csrf_token"], "/api/v1/admin/auth/me"),
        ("/api/v1/auth/logout", buyer.json()["csrf_token"], "/api/v1/storefront/me"),
    ):
        forged = await client.post(path)
        assert forged.status_code == 403
        assert forged.json()["error"] == "forbidden"
        assert (await client.get(me)).status_code == 200
        assert (await client.post(path, headers={"x-csrf-token": csrf})).status_code == 204
        assert (await client.get(me)).status_code == 401
    # Without a session there is nothing to end, and nothing to forge.
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
