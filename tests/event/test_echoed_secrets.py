"""An ERP that echoes the credentials it got: no form of them reaches a stored related request.

The mock ERP's `echo_credentials` fault repeats every credential header in `X-Debug-Echo` and,
with the raw request body, inside its JSON answer; the token URL echoes the form-encoded client
secret the same way. A view-only (support) admin then reads every related request.
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import Settings
from erpgate.models.related_request import RelatedRequest
from tests.event.helpers import make_shop, sign_in_admin
from tests.outcomes.helpers import live_of, read_orders, writer_of
from tests.plugins.mock_erp import MockErpFactory

# Each secret holds characters that every encoding (form, percent, JSON, base64) changes.
CREDENTIALS = {
    "bearer": ("key-Echo/1+", r'tok"en\x/+=&42'),
    "header": ("X-Erp-Secret", r'hdr"val\y/+=&43'),
    "basic": ("erp-user", r'pa:ss"w\d/+=&44'),
    "oauth2": ("client-Echo9", r'cl+ent/sec"ret\&=45'),
}


def _forms(secret: str) -> set[str]:
    b64 = base64.b64encode(secret.encode()).decode()
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        b64,
        b64.rstrip("="),
    }


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _texts(answer: dict[str, Any]) -> list[str]:
    texts = _strings(answer)
    for side in ("request", "response"):
        if answer[f"{side}_body_encoding"] == "base64":
            texts.append(base64.b64decode(answer[f"{side}_body"]).decode("utf-8", "replace"))
    return texts


@pytest.mark.parametrize("style", sorted(CREDENTIALS))
async def test_no_form_of_an_echoed_secret_is_stored(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    mock_erp_factory: MockErpFactory,
    style: str,
) -> None:
    key, token = CREDENTIALS[style]
    erp = await mock_erp_factory(
        auth_style=style, key=key, token=token, faults=["*=echo_credentials"]
    )
    erp.set_fault("token", "echo_credentials")
    shop = await make_shop(
        db,
        settings,
        erp_urls=erp.urls,
        key=key,
        token=token,
        auth_style=style,
        token_url=erp.token_url if style == "oauth2" else None,
    )
    await read_orders(app, await live_of(app, db, shop), shop)
    await writer_of(app).flush()
    await sign_in_admin(client, db, shop.store.id, role="support")

    secrets = [token, *erp.state.tokens.issued] + ([] if style == "header" else [key])
    forbidden = {form for secret in secrets for form in _forms(secret)}
    forbidden |= _forms(f"{key}:{token}")
    ids = (await db.execute(select(RelatedRequest.id))).scalars().all()
    assert len(ids) == (2 if style == "oauth2" else 1)
    for request_id in ids:
        answer = await client.get(f"/api/v1/admin/requests/{request_id}")
        assert answer.status_code == 200
        page = await client.get(f"/admin/requests/{request_id}")
        assert page.status_code == 200
        shown = [answer.text, html.unescape(page.text), *_texts(answer.json())]
        assert "X-Debug-Echo" in answer.text  # the echo did arrive, masked
        leaks = sorted(form for form in forbidden for text in shown if form in text)
        assert leaks == []
