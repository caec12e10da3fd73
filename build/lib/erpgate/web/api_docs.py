"""The API documentation pages, working without internet: /docs and /redoc (the storefront and
admin APIs) and /erp-contract/docs (the ERP contract).

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank on a machine that
cannot reach it. Here the same pages load the files the ``fastapi-offline`` package installs
(a maintained copy of current Swagger UI 5, which reads OpenAPI 3.1, and ReDoc), served under
ASSETS_URL; no third-party file lives in this repository.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/api-docs-assets"
SWAGGER_JS = f"{ASSETS_URL}/swagger-ui-bundle.js"
SWAGGER_CSS = f"{ASSETS_URL}/swagger-ui.css"
REDOC_JS = f"{ASSETS_URL}/redoc.standalone.js"
FAVICON = "/static/favicon.svg"  # the site's own icon

DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
CONTRACT_DOCS_URL = "/erp-contract/docs"
CONTRACT_OPENAPI_URL = "/erp-contract/openapi.json"
# The pages that start Swagger UI or ReDoc with an inline script: the security headers give them
# a policy of their own.
PAGES = frozenset({DOCS_URL, OAUTH2_REDIRECT_URL, REDOC_URL, CONTRACT_DOCS_URL})


def assets_dir() -> Path:
    """Where the installed package keeps Swagger UI's and ReDoc's files."""
    return Path(str(files("fastapi_offline").joinpath("static")))


def _swagger_page(openapi_url: str, title: str, oauth2_redirect_url: str | None) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} - Swagger UI",
        oauth2_redirect_url=oauth2_redirect_url,
        swagger_js_url=SWAGGER_JS,
        swagger_css_url=SWAGGER_CSS,
        swagger_favicon_url=FAVICON,
    )


def add_api_docs(app: FastAPI) -> None:
    """Adds the pages and their files; the app must be made with ``docs_url=None`` and
    ``redoc_url=None`` so FastAPI's CDN pages stay away."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="api-docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return _swagger_page(openapi_url, app.title, OAUTH2_REDIRECT_URL)

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def api_docs_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def api_redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS,
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        )

    @app.get(CONTRACT_DOCS_URL, include_in_schema=False)
    async def erp_contract_docs() -> HTMLResponse:
        return _swagger_page(CONTRACT_OPENAPI_URL, "erpgate ERP contract", None)
