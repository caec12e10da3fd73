"""Admin commands: `erpgate create-store`, `erpgate create-admin`, `erpgate rotate-key`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.config import ConfigError, Settings, load_settings
from erpgate.errors import AppError

T = TypeVar("T")
PASSWORD_ENV = "ERPGATE_ADMIN_PASSWORD"  # noqa: S105  (the name of a variable, not a secret)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _run(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """Run one unit of work in its own transaction; AppErrors become clean CLI errors."""
    from erpgate.db.engine import create_engine, create_session_factory, transaction

    settings = _settings()

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(create_session_factory(engine)) as db:
                return await work(db, settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except AppError as exc:
        raise click.ClickException(exc.message) from None


@click.command("create-store")
@click.option("--slug", required=True, help="Lower-case letters, digits and dashes.")
@click.option("--name", required=True)
@click.option("--currency", default="USD", show_default=True)
@click.option(
    "--locale", default="en_US", show_default=True, help="How pages show money and dates."
)
@click.option("--fallback-tax-rate", default="0", show_default=True, help="0.0725 for 7.25%.")
def create_store_command(
    slug: str, name: str, currency: str, locale: str, fallback_tax_rate: str
) -> None:
    """Create a store (the platform operator's job)."""
    from erpgate.store import service as store_service

    async def work(db: AsyncSession, _settings: Settings) -> str:
        store = await store_service.create_store(
            db,
            slug=slug,
            name=name,
            currency=currency,
            locale=locale,
            fallback_tax_rate=Decimal(fallback_tax_rate)
            if _is_number(fallback_tax_rate)
            else fallback_tax_rate,
        )
        return f"created store {store.slug} ({store.id})"

    click.echo(_run(work))


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


@click.command("create-admin")
@click.option("--store", "store_slug", help="Slug of the admin's store.")
@click.option("--platform", is_flag=True, help="A platform operator (no store).")
@click.option("--email", required=True)
@click.option(
    "--role",
    type=click.Choice(["owner", "admin", "developer", "support"]),
    default="owner",
    show_default=True,
)
@click.option("--name", default="")
@click.option(
    "--password",
    help=f"Prefer the {PASSWORD_ENV} variable or the prompt: a flag ends up in shell history.",
)
def create_admin_command(
    store_slug: str | None,
    platform: bool,
    email: str,
    role: str,
    name: str,
    password: str | None,
) -> None:
    """Create an admin of a store, or a platform operator with --platform."""
    from erpgate.admin.accounts import create_admin
    from erpgate.store import service as store_service

    if platform == bool(store_slug):
        raise click.UsageError("Give exactly one of --store SLUG or --platform.")
    password = password or os.environ.get(PASSWORD_ENV)
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(db: AsyncSession, _settings: Settings) -> str:
        store_id = None
        if store_slug:
            store = await store_service.find_store_by_slug(db, store_slug.strip().lower())
            if store is None:
                raise click.ClickException(f"No store with slug {store_slug!r}.")
            store_id = store.id
        admin = await create_admin(
            db,
            store_id=store_id,
            email=email,
            password=password or "",
            role="platform" if platform else role,
            name=name,
        )
        where = f"store {store_slug}" if store_slug else "the platform"
        return f"created {admin.role} {admin.email} for {where}"

    click.echo(_run(work))


@click.command("rotate-key")
def rotate_key_command() -> None:
    """Re-encrypt every stored secret under the first key of ERPGATE_SECRET_KEYS.

    Put the new key first and keep the old one after it while this runs; the app keeps serving
    because it decrypts with either key. Remove the old key once this has finished.
    """
    from erpgate.admin import audit
    from erpgate.integration.service import rotate_secrets
    from erpgate.kit.clock import utcnow
    from erpgate.kit.crypto import SecretBox, SecretBoxError
    from erpgate.notification.webhooks import rotate_secrets as rotate_route_secrets

    async def work(db: AsyncSession, settings: Settings) -> int:
        box = SecretBox(settings.encryption_keys)
        try:
            count = await rotate_secrets(db, box)
            count += await rotate_route_secrets(db, box)
        except SecretBoxError as exc:
            raise click.ClickException(
                f"{exc}. Keep the old key in ERPGATE_SECRET_KEYS (after the new one) until "
                "rotation has finished."
            ) from None
        await audit.record(
            db,
            store_id=None,
            admin=None,
            action=audit.SECRETS_ROTATED,
            now=utcnow(),
            subject="ERPGATE_SECRET_KEYS",
            details={"integrations": count, "keys_configured": len(settings.encryption_keys)},
        )
        return count

    count = _run(work)
    click.echo(f"re-encrypted the secrets of {count} integration(s) under the first key")


COMMANDS: list[click.Command] = [create_store_command, create_admin_command, rotate_key_command]
