"""Helpers for sign-in tests: the login-CSRF token a sign-in page hands out."""

from __future__ import annotations

import re

import httpx

from erpgate.auth.login_csrf import LOGIN_CSRF_COOKIE

_FIELD = re.compile(r'<input type="hidden" name="login_csrf" value="([^"]+)">')


async def login_form_token(client: httpx.AsyncClient, path: str) -> str:
    """Open the sign-in page like a browser; returns its hidden token (the cookie stays set)."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    match = _FIELD.search(page.text)
    assert match is not None, "the sign-in form has no login_csrf field"
    assert client.cookies[LOGIN_CSRF_COOKIE] == match.group(1)
    return match.group(1)
