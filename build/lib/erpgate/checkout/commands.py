"""`erpgate import-catalog`: load a store's products from CSV, all or nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from erpgate.checkout.catalog import ImportReport, import_catalog


async def _import(store_slug: str, text: str) -> ImportReport:
    from erpgate.config import load_settings
    from erpgate.db.engine import create_engine, create_session_factory, transaction
    from erpgate.store import service as store_service

    engine = create_engine(load_settings().database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            store = await store_service.find_store_by_slug(db, store_slug)
            if store is None:
                raise click.ClickException(f"no store with slug {store_slug!r}")
            # import_catalog writes nothing when any row is bad.
            return await import_catalog(db, store.id, text)
    finally:
        await engine.dispose()


@click.command("import-catalog")
@click.option("--store", "store_slug", required=True, help="Slug of the store.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
def import_catalog_command(store_slug: str, csv_file: str) -> None:
    """Load products from CSV (columns sku,name,unit_price[,uom]); any bad row: nothing is saved."""
    try:
        text = Path(csv_file).read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException("the file is not UTF-8 text") from exc
    report = asyncio.run(_import(store_slug, text))
    if not report.ok:
        for line, message in report.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(f"{len(report.errors)} row(s) with errors; nothing was imported")
    click.echo(f"imported: {report.created} new, {report.updated} updated")


COMMANDS: list[click.Command] = [import_catalog_command]
