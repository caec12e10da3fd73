"""The `erpgate` command line. Each domain may add commands in its own `commands.py` (COMMANDS)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from erpgate import __version__
from erpgate.config import ConfigError, Settings, load_settings
from erpgate.kit.modules import optional_import
from erpgate.startup import refuse_start

DOMAINS_WITH_COMMANDS = (
    "store",
    "customer",
    "integration",
    "storefront",
    "checkout",
    "notification",
    "admin",
    "conformance",
)


# Repeated from erpgate.twins so `erpgate --help` need not import the twins.
DEMO_ERPS = ("mock", "business-central", "sap-b1", "erpnext", "odoo")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="erpgate")
def main() -> None:
    """erpgate connects a B2B storefront to a merchant's ERP in real time."""


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        refuse_start(str(exc))


@main.command()
def migrate() -> None:
    """Apply database migrations up to the newest."""
    from erpgate.db.migrate import upgrade_to_head

    settings = load_settings()
    upgrade_to_head(settings.database_url)
    click.echo("database is up to date")


@main.command("generate-key")
def generate_key() -> None:
    """Print a new Fernet key for ERPGATE_SECRET_KEYS."""
    from erpgate.kit.crypto import generate_key as new_key

    click.echo(new_key())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the web app (storefront, admin, APIs)."""
    settings = _settings_or_exit()
    from erpgate.app import check_ready

    try:
        asyncio.run(check_ready(settings))
    except ConfigError as exc:
        refuse_start(str(exc))
    import uvicorn

    from erpgate.kit.metrics import MULTIPROC_ENV, prepare_multiprocess_dir
    from erpgate.logging import configure_logging

    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Every worker writes its metrics here; any of them answers /metrics with the sum.
        prepare_multiprocess_dir(Path(tempfile.gettempdir()) / f"erpgate-metrics-{os.getpid()}")
    configure_logging(settings.log_format, settings.log_level)
    uvicorn.run(
        "erpgate.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # erpgate writes its own (erpgate.web.observe)
        log_config=None,  # uvicorn's lines go through erpgate's log setup (JSON in production)
        log_level="warning",
        # Requests in flight get this long to finish once the server stops accepting.
        timeout_graceful_shutdown=30,
        **proxy_options(settings),
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy-header handling from erpgate's own setting (not uvicorn's environment):
    X-Forwarded-For and X-Forwarded-Proto count only from ERPGATE_FORWARDED_ALLOW_IPS."""
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--erp-port", default=8100, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--erp",
    type=click.Choice(DEMO_ERPS),
    default="mock",
    show_default=True,
    help="Whose API the store reads: the mock ERP (the contract), or an ERP twin through its "
    "adapter profile (orders, invoices and balance; the rest stays on the mock ERP).",
)
@click.option(
    "--twin-port",
    default=8200,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port of the ERP twin (with --erp other than mock).",
)
def demo(port: int, erp_port: int, erp: str, twin_port: int) -> None:
    """Start the mock ERP and the app on the embedded defaults, seeded with demo data."""
    from erpgate.demo import run_demo

    run_demo(port=port, erp_port=erp_port, erp=erp, twin_port=twin_port)


def _register_mock_erp() -> None:
    from erpgate.mock_erp.cli import mock_erp_command

    main.add_command(mock_erp_command, "mock-erp")


def _register_twin() -> None:
    from erpgate.twins.cli import twin_command

    main.add_command(twin_command, "twin")


def _register_worker() -> None:
    from erpgate.worker import worker

    main.add_command(worker)


def _register_domain_commands() -> None:
    for domain in DOMAINS_WITH_COMMANDS:
        module = optional_import(f"erpgate.{domain}.commands")
        for command in module.COMMANDS if module else ():
            main.add_command(command)


_register_mock_erp()
_register_twin()
_register_worker()
_register_domain_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
