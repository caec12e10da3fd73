"""`erpgate create-store`, `create-admin` and `rotate-key` against a real database.

The commands run their own event loop (asyncio.run), so each runs in a worker thread here.
"""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.cli import main
from erpgate.config import Settings
from erpgate.erp.options import ErpClientOptions
from erpgate.integration.service import install, load_live_integration
from erpgate.kit.crypto import SecretBox, generate_key
from erpgate.models.admin_user import AdminUser
from erpgate.models.integration import Integration
from erpgate.store.service import find_store_by_slug

OPTIONS = ErpClientOptions()  # the snapshot checks targets with these


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("ERPGATE_DATABASE_URL", settings.database_url)
    return {"ERPGATE_DATABASE_URL": settings.database_url}


async def test_create_store_and_admins(env: dict[str, str], db: AsyncSession) -> None:
    runner = CliRunner()
    made = await asyncio.to_thread(
        runner.invoke,
        main,
        ["create-store", "--slug", "north", "--name", "North", "--fallback-tax-rate", "0.07"],
    )
    assert made.exit_code == 0, made.output
    assert made.output.startswith("created store north (")
    swiss = await asyncio.to_thread(
        runner.invoke,
        main,
        ["create-store", "--slug", "zurich", "--name", "Zurich", "--locale", "de_CH"],
    )
    assert swiss.exit_code == 0, swiss.output
    assert (await find_store_by_slug(db, "zurich")).locale == "de_CH"  # type: ignore[union-attr]
    unknown = await asyncio.to_thread(
        runner.invoke,
        main,
        ["create-store", "--slug", "nowhere", "--name", "Nowhere", "--locale", "xx_XX"],
    )
    assert unknown.exit_code == 1
    assert "xx_XX is not a locale we know" in unknown.output
    again = await asyncio.to_thread(
        runner.invoke, main, ["create-store", "--slug", "north", "--name", "North"]
    )
    assert again.exit_code == 1
    assert "A store with slug 'north' exists already." in again.output

    owner = await asyncio.to_thread(
        runner.invoke,
        main,
        ["create-admin", "--store", "north", "--email", "o@north.example", "--role", "support"],
        env={"ERPGATE_ADMIN_PASSWORD": "long-enough-pw"},
    )
    assert owner.output == "created support o@north.example for store north\n"
    platform = await asyncio.to_thread(
        runner.invoke,
        main,
        ["create-admin", "--platform", "--email", "ops@platform.example"],
        input="platform-pw-1\nplatform-pw-1\n",
    )
    assert platform.exit_code == 0, platform.output
    neither = await asyncio.to_thread(
        runner.invoke, main, ["create-admin", "--email", "x@y.example", "--password", "p" * 9]
    )
    assert neither.exit_code == 2
    assert "Give exactly one of --store SLUG or --platform." in neither.output

    store = await find_store_by_slug(db, "north")
    assert store is not None and str(store.fallback_tax_rate) == "0.0700"
    admins = (await db.execute(select(AdminUser.email, AdminUser.role))).all()
    assert sorted(admins) == [("o@north.example", "support"), ("ops@platform.example", "platform")]


async def test_rotate_key_reencrypts_under_the_new_first_key(
    env: dict[str, str], db: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from erpgate.store.service import create_store

    old_key, new_key = settings.encryption_keys[0], generate_key()
    store = await create_store(db, slug="south", name="South")
    await install(db, store.id, SecretBox([old_key]), token="tok-rotate-me", key="k-1")
    store_id = store.id
    await db.commit()
    monkeypatch.setenv("ERPGATE_SECRET_KEYS", f"{new_key},{old_key}")
    result = await asyncio.to_thread(CliRunner().invoke, main, ["rotate-key"])
    assert result.exit_code == 0, result.output
    assert result.output == "re-encrypted the secrets of 1 integration(s) under the first key\n"
    db.expire_all()
    live = await load_live_integration(db, store_id, SecretBox([new_key]), ErpClientOptions())
    assert (live.credentials.token, live.credentials.key) == ("tok-rotate-me", "k-1")
    row = (await db.execute(select(Integration))).scalar_one()
    with pytest.raises(ValueError):
        SecretBox([old_key]).decrypt(row.token_encrypted or "")


async def test_rotate_key_reencrypts_alert_routes_secret_and_url(
    env: dict[str, str], db: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from erpgate.models.alert_route import AlertRoute
    from erpgate.notification import webhooks
    from erpgate.store.service import create_store

    old_key, new_key = settings.encryption_keys[0], generate_key()
    store = await create_store(db, slug="east", name="East")
    url = "https://hooks.slack.com/services/T01/B02/route-token-123"
    _, secret = await webhooks.add_route(
        db,
        store.id,
        name="#erp",
        url=url,
        url_problem=None,
        box=SecretBox([old_key]),
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )
    await db.commit()
    monkeypatch.setenv("ERPGATE_SECRET_KEYS", f"{new_key},{old_key}")
    result = await asyncio.to_thread(CliRunner().invoke, main, ["rotate-key"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    route = (await db.execute(select(AlertRoute))).scalar_one()
    new_box = SecretBox([new_key])
    assert new_box.decrypt(route.url_encrypted) == url
    assert new_box.decrypt(route.secret_encrypted) == secret
    with pytest.raises(ValueError):
        SecretBox([old_key]).decrypt(route.url_encrypted)
