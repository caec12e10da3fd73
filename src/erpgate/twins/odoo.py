"""Twin of Odoo 19's External JSON-2 API (``POST /json/2/{model}/{method}``)."""

from __future__ import annotations

from aiohttp import web

from erpgate.twins.common import TwinConfig, add_index, new_twin_app

BASE_PATH = "/json/2"


def build_app(config: TwinConfig) -> web.Application:
    """The Odoo twin's application."""
    app, _state = new_twin_app(config)
    add_index(app, "odoo", BASE_PATH)
    return app
