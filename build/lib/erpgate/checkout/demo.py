"""Demo data of the checkout domain: the catalog, matching the mock ERP's items."""

from __future__ import annotations

from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import catalog


def demo_catalog_csv() -> str:
    return resources.files("erpgate.checkout").joinpath("demo_catalog.csv").read_text("utf-8")


async def seed(db: AsyncSession, context: Any, *, fresh: bool) -> None:
    """Load the demo catalog (re-running updates prices and names in place)."""
    report = await catalog.import_catalog(db, context.store.id, demo_catalog_csv())
    if not report.ok:  # our own file: a failure here is a bug, not user input
        raise RuntimeError(f"demo catalog is broken: {report.errors}")
    context.printed.append(f"catalog: {report.created + report.updated} products")
