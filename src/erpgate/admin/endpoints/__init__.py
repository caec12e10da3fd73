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
    users,
)

router = APIRouter()
for area in (home, auth, apps, integration, health, alerts, customers, users, impersonation, audit):
    router.include_router(area.router)
