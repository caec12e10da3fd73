"""Every admin route, gathered into one router; each area (pages and JSON API) is a module."""

from __future__ import annotations

from fastapi import APIRouter

from erpgate.admin.endpoints import (
    alerts,
    apps,
    audit,
    auth,
    customers,
    health,
    home,
    impersonation,
    integration,
    placed_orders,
    store,
    users,
)

router = APIRouter()
AREAS = (
    home,
    auth,
    apps,
    integration,
    store,
    health,
    alerts,
    customers,
    users,
    impersonation,
    audit,
    placed_orders,
)
for area in AREAS:
    router.include_router(area.router)
