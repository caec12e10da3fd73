"""Security headers on every answer: pages, JSON, static files, refusals of the request guard.

The pages need nothing from elsewhere and nothing inline (no inline script or style: a test reads
every template), so the policy allows only this site's own files, and no site may frame a page
(clickjacking of the admin console). The API documentation pages (/docs, /redoc,
/erp-contract/docs) start Swagger UI and ReDoc, served from this site, with an inline script and
inline styles, so they get a policy of their own allowing exactly that, still unframeable.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from erpgate.web import api_docs

POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
DOCS_PATHS = api_docs.PAGES
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Full URLs (with ids and trace codes) stay on this site; other sites get nothing.
    "Referrer-Policy": "same-origin",
    # For browsers older than frame-ancestors.
    "X-Frame-Options": "DENY",
}


def _raw(policy: str) -> tuple[tuple[bytes, bytes], ...]:
    pairs = {"Content-Security-Policy": policy, **HEADERS}
    return tuple((name.lower().encode(), value.encode()) for name, value in pairs.items())


# Encoded once: this runs on every answer, the storefront's hot reads included.
RAW_HEADERS = _raw(POLICY)
RAW_DOCS_HEADERS = _raw(DOCS_POLICY)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = RAW_DOCS_HEADERS if scope["path"] in DOCS_PATHS else RAW_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _value in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
