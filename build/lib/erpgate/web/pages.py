"""Rendering pages from endpoints."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from erpgate.web.templating import build_environment
from erpgate.web.transport import insecure_cookie_notice


@lru_cache(maxsize=1)
def environment() -> Environment:
    return build_environment()


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    values = {
        "request": request,
        "insecure_cookie_notice": insecure_cookie_notice(request),
        **(context or {}),
    }
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
