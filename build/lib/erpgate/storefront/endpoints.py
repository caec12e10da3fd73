"""Storefront routes: buyer sign-in, pages, checkout and the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from erpgate.storefront import api, auth_endpoints, checkout_api, checkout_pages, pages

router = APIRouter()
# The JSON reads first (the hottest routes); checkout pages before the generic pages so
# /orders/placed/{id} is matched first.
for part in (api, auth_endpoints, checkout_api, checkout_pages, pages):
    router.include_router(part.router)
