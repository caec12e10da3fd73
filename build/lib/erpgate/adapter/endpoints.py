"""Admin › Settings › ERP adapter: the JSON API (``api``) and the page (``pages``)."""

from __future__ import annotations

from fastapi import APIRouter

from erpgate.adapter import api, pages

router = APIRouter()
router.include_router(api.router)
router.include_router(pages.router)
