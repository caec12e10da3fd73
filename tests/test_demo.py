"""The demo's seed data: what the README promises a new user, created once and safe to re-run."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.accounts import authenticate
from erpgate.config import Settings
from erpgate.customer.service import find_user_by_email
from erpgate.demo import DEMO_ERP_TOKEN, mock_erp_urls, seed_demo
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions
from erpgate.integration.service import load_live_integration
from erpgate.kit.crypto import SecretBox
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.user import User

OPTIONS = ErpClientOptions()  # the snapshot checks targets with these


async def test_seed_creates_the_store_buyers_admin_and_every_url(
    db: AsyncSession, settings: Settings
) -> None:
    context = await seed_demo(db, settings, mock_erp_urls(8100))
    await db.commit()
    live = await load_live_integration(
        db, context.store.id, SecretBox(settings.encryption_keys), OPTIONS
    )
    assert live.enabled_endpoints == frozenset(Endpoint)
    assert live.credentials.token == DEMO_ERP_TOKEN
    buyer = await find_user_by_email(db, context.store.id, "buyer@example.com")
    viewer = await find_user_by_email(db, context.store.id, "viewer@example.com")
    assert buyer is not None and sorted(buyer.permissions) == [
        "balance",
        "checkout",
        "invoices",
        "orders",
    ]
    assert viewer is not None and viewer.permissions == ["orders"]
    gina = await find_user_by_email(db, context.store.id, "gina@example.com")
    assert gina is not None and gina.customer_account_id == context.accounts[1].id
    assert buyer.customer_account_id == context.accounts[0].id
    owner = await authenticate(db, "admin@example.com", "demo-admin")
    assert owner is not None and owner.role == "owner"


async def test_seeding_twice_keeps_one_copy_and_refreshes_urls(
    db: AsyncSession, settings: Settings
) -> None:
    await seed_demo(db, settings, mock_erp_urls(8100))
    await db.commit()
    context = await seed_demo(db, settings, mock_erp_urls(9100))
    await db.commit()
    assert (await db.execute(select(func.count()).select_from(User))).scalar() == 3
    assert (await db.execute(select(func.count()).select_from(CustomerAccount))).scalar() == 2
    live = await load_live_integration(
        db, context.store.id, SecretBox(settings.encryption_keys), OPTIONS
    )
    assert live.urls[Endpoint.ORDERS] == "http://127.0.0.1:9100/erp/orders"
    assert live.urls[Endpoint.PRICES] == "http://127.0.0.1:9100/erp/prices"
    assert live.urls[Endpoint.INVENTORY] == "http://127.0.0.1:9100/erp/inventory"
