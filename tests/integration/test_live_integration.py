from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.erp.endpoints import Endpoint
from erpgate.erp.options import ErpClientOptions
from erpgate.integration import service
from erpgate.kit.crypto import SecretBox, generate_key
from erpgate.store.service import create_store

OPTIONS = ErpClientOptions()  # the snapshot checks targets with these


async def test_secrets_are_stored_encrypted_and_features_follow_urls(db: AsyncSession) -> None:
    box = SecretBox([generate_key()])
    store = await create_store(db, slug="a", name="A")
    row = await service.install(
        db,
        store.id,
        box,
        key="erp-key",
        token="tok_live_secret",
        urls={
            Endpoint.ORDERS: "https://erp.example.com/orders",
            Endpoint.TAXES: "https://erp.example.com/taxes",
        },
    )
    await db.commit()
    assert row.token_encrypted and "tok_live_secret" not in row.token_encrypted
    assert row.key_encrypted and "erp-key" not in row.key_encrypted

    live = await service.load_live_integration(db, store.id, box, OPTIONS)
    assert live.enabled_endpoints == {Endpoint.ORDERS, Endpoint.TAXES}
    assert live.credentials.token == "tok_live_secret"
    orders = live.target(Endpoint.ORDERS)
    assert orders is not None and orders.timeout_seconds == 5.0
    taxes = live.target(Endpoint.TAXES)
    assert taxes is not None and taxes.timeout_seconds == 3.0
    assert live.target(Endpoint.INVOICES) is None


async def test_an_uninstalled_app_switches_every_feature_off(db: AsyncSession) -> None:
    box = SecretBox([generate_key()])
    store = await create_store(db, slug="a", name="A")
    row = await service.install(
        db, store.id, box, token="t" * 10, urls={Endpoint.ORDERS: "https://erp.example.com/orders"}
    )
    row.installed = False
    await db.commit()
    live = await service.load_live_integration(db, store.id, box, OPTIONS)
    assert live.enabled_endpoints == frozenset()
    assert live.target(Endpoint.ORDERS) is None
    other = await create_store(db, slug="b", name="B")
    assert (await service.load_live_integration(db, other.id, box, OPTIONS)).installed is False


async def test_rotation_re_encrypts_under_the_new_key(db: AsyncSession) -> None:
    old_key, new_key = generate_key(), generate_key()
    store = await create_store(db, slug="a", name="A")
    await service.install(db, store.id, SecretBox([old_key]), key="k-123456", token="t-123456789")
    await db.commit()
    changed = await service.rotate_secrets(db, SecretBox([new_key, old_key]))
    await db.commit()
    assert changed == 1
    live = await service.load_live_integration(db, store.id, SecretBox([new_key]), OPTIONS)
    assert (live.credentials.key, live.credentials.token) == ("k-123456", "t-123456789")
