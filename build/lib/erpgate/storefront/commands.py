"""`erpgate create-api-key` / `revoke-api-key` / `list-api-keys`: store keys for headless shops."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.models.store import Store
from erpgate.storefront import api_keys

T = TypeVar("T")


async def _in_store(store_slug: str, work: Callable[[AsyncSession, Store], Awaitable[T]]) -> T:
    from erpgate.config import load_settings
    from erpgate.db.engine import create_engine, create_session_factory, transaction
    from erpgate.store import service as store_service

    engine = create_engine(load_settings().database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            store = await store_service.find_store_by_slug(db, store_slug)
            if store is None:
                raise click.ClickException(f"no store with slug {store_slug!r}")
            return await work(db, store)
    finally:
        await engine.dispose()


@click.command("create-api-key")
@click.option("--store", "store_slug", required=True, help="Slug of the store.")
@click.option("--name", required=True, help="What the key is for, e.g. 'headless shop'.")
def create_api_key_command(store_slug: str, name: str) -> None:
    """Create a store API key; it is printed once and stored only as a digest."""

    async def work(db: AsyncSession, store: Store) -> tuple[str, str]:
        record, plaintext = await api_keys.create_api_key(db, store.id, name)
        return str(record.id), plaintext

    key_id, plaintext = asyncio.run(_in_store(store_slug, work))
    click.echo(f"id: {key_id}")
    click.echo(f"key: {plaintext}")
    click.echo("Keep the key now: it cannot be shown again.")


@click.command("revoke-api-key")
@click.option("--store", "store_slug", required=True, help="Slug of the store.")
@click.argument("key_id", type=click.UUID)
def revoke_api_key_command(store_slug: str, key_id: uuid.UUID) -> None:
    """Revoke a store API key by id."""

    async def work(db: AsyncSession, store: Store) -> None:
        await api_keys.revoke_api_key(db, store.id, key_id)

    asyncio.run(_in_store(store_slug, work))
    click.echo("revoked")


@click.command("list-api-keys")
@click.option("--store", "store_slug", required=True, help="Slug of the store.")
def list_api_keys_command(store_slug: str) -> None:
    """List a store's API keys (prefix only)."""

    async def work(db: AsyncSession, store: Store) -> list[str]:
        return [
            f"{k.id}  {k.prefix}…  {k.name}  {'revoked' if k.revoked_at else 'active'}"
            for k in await api_keys.list_api_keys(db, store.id)
        ]

    for line in asyncio.run(_in_store(store_slug, work)):
        click.echo(line)


COMMANDS: list[click.Command] = [
    create_api_key_command,
    revoke_api_key_command,
    list_api_keys_command,
]
