"""Credentials the mock ERP demands, one check per auth style, and its oauth2 token URL."""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from erpgate.mock_erp.config import MockErpConfig


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _basic_pair(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, sep, password = (
            base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


@dataclass(slots=True)
class TokenIssuer:
    """Access tokens issued by /oauth/token; monotonic expiry (runtime, not data)."""

    expires_in: int
    issued: dict[str, float] = field(default_factory=dict)
    count: int = 0

    def issue(self) -> str:
        self.count += 1
        token = f"mock-at-{self.count:06d}"
        self.issued[token] = time.monotonic() + self.expires_in
        return token

    def valid(self, token: str) -> bool:
        expiry = self.issued.get(token)
        return expiry is not None and expiry > time.monotonic()

    def revoke_all(self) -> None:
        self.issued.clear()


def authorized(request: web.Request, config: MockErpConfig, tokens: TokenIssuer) -> bool:
    """Whether the request carries exactly the credentials its auth style asks for."""
    headers = request.headers
    style = config.auth_style
    if style == "bearer":
        if not _same(headers.get("Authorization"), f"Bearer {config.token}"):
            return False
        return not config.key or _same(headers.get("X-Api-Key"), config.key)
    if style == "header":
        expected = config.token
        if config.key.lower() == "authorization" and " " not in expected:
            expected = f"Bearer {expected}"
        return _same(headers.get(config.key), expected)
    if style == "basic":
        pair = _basic_pair(headers.get("Authorization"))
        return pair is not None and _same(pair[0], config.key) and _same(pair[1], config.token)
    auth = headers.get("Authorization", "")
    return auth.startswith("Bearer ") and tokens.valid(auth[7:])


def unauthorized() -> web.Response:
    return web.Response(
        body=orjson.dumps({"error": "unauthorized", "message": "Missing or wrong credentials"}),
        status=401,
        content_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="mock-erp"'},
    )


async def read_token_request(request: web.Request, raw: bytes) -> dict[str, Any]:
    """Form or JSON body of a client-credentials request; client id/secret may come as Basic."""
    fields: dict[str, Any] = {}
    if request.content_type == "application/json":
        try:
            loaded = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            loaded = {}
        if isinstance(loaded, dict):
            fields = loaded
    else:
        fields = dict((await request.post()).items())
    pair = _basic_pair(request.headers.get("Authorization"))
    if pair is not None:
        fields.setdefault("client_id", pair[0])
        fields.setdefault("client_secret", pair[1])
    return fields


def token_answer(
    fields: dict[str, Any], config: MockErpConfig, tokens: TokenIssuer
) -> web.Response:
    """The token endpoint's answer (RFC 6749 shapes)."""
    if fields.get("grant_type") != "client_credentials":
        body: dict[str, Any] = {"error": "unsupported_grant_type"}
        return web.Response(body=orjson.dumps(body), status=400, content_type="application/json")
    client_id, secret = fields.get("client_id"), fields.get("client_secret")
    if not (
        isinstance(client_id, str)
        and isinstance(secret, str)
        and _same(client_id, config.key)
        and _same(secret, config.token)
    ):
        body = {"error": "invalid_client"}
        return web.Response(body=orjson.dumps(body), status=401, content_type="application/json")
    body = {"access_token": tokens.issue(), "token_type": "Bearer", "expires_in": tokens.expires_in}
    return web.Response(body=orjson.dumps(body), content_type="application/json")
