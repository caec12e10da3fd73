"""Live-price tests share the storefront's fixtures; ``live_shop`` switches prices and stock on."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.mock_erp.server import MockErpHandle
from erpgate.models.integration import Integration
from tests.storefront.conftest import Shop, buyer_client, recorder, shop

__all__ = ["buyer_client", "live_shop", "recorder", "shop"]


@pytest.fixture
async def live_shop(shop: Shop, db: AsyncSession, mock_erp: MockErpHandle) -> Shop:
    """The storefront's shop with the mock ERP's Prices and Inventory URLs set."""
    await db.execute(
        update(Integration).values(
            prices_url=mock_erp.urls["prices"], inventory_url=mock_erp.urls["inventory"]
        )
    )
    await db.commit()
    return shop
