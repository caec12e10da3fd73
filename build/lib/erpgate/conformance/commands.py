"""`erpgate check-erp`: the conformance checker from the command line (no database needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from erpgate.conformance.config import (
    FORMATS,
    URL_KEYS,
    CheckConfig,
    ConfigProblem,
    build_config,
    read_config_file,
)
from erpgate.conformance.direct import run_direct
from erpgate.conformance.fixtures import FixtureProblem, check_fixtures, read_fixtures
from erpgate.conformance.report import as_json, as_junit, as_text, print_text
from erpgate.conformance.results import ConformanceReport
from erpgate.erp.credentials import AUTH_STYLES
from erpgate.logging import configure_logging

EXIT_FAILED = 1
EXIT_BAD_SETTINGS = 2
WIDE = 160


class BadSettings(click.ClickException):
    """Bad usage or config: exit code 2, like click's own usage errors."""

    exit_code = EXIT_BAD_SETTINGS


def _url_options(command: Any) -> Any:
    for key in reversed(list(URL_KEYS)):
        flag = "--" + key.replace("_", "-")
        command = click.option(flag, key, help=f"{URL_KEYS[key].label} (overrides --base-url).")(
            command
        )
    return command


@click.command("check-erp")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="TOML or JSON file with the same settings (flags override it).",
)
@click.option(
    "--base-url",
    help="Base URL of an ERP with the mock ERP's layout (<base>/erp/orders, /erp/orders/get, "
    "...); with --profile, the ERP's own base URL (overrides the profile's).",
)
@click.option(
    "--profile",
    help="Read orders, order, invoices, invoice and balance through an adapter profile: a "
    "shipped one (business-central, sap-b1, erpnext, odoo) or a .toml/.json file.",
)
@click.option(
    "--fixtures",
    type=click.Path(dir_okay=False),
    help="With --profile: map the recorded ERP answers of this fixture file offline and check "
    "them (no ERP is called).",
)
@_url_options
@click.option(
    "--auth-style", type=click.Choice(AUTH_STYLES), help="How Key and Token travel [bearer]."
)
@click.option("--key", help="The Key (header name, user name or client id, per auth style).")
@click.option(
    "--token",
    envvar="ERPGATE_CHECK_TOKEN",
    show_envvar=True,
    help="The Token; prefer the ERPGATE_CHECK_TOKEN variable to keep it out of shell history.",
)
@click.option("--token-url", help="OAuth2 token URL (auth style oauth2).")
@click.option("--customer-code", help="ERP account number of a test customer.")
@click.option("--seller-reference", help="Optional second id of the test customer.")
@click.option("--order-id", help="A known order of the test customer [first of the list].")
@click.option("--invoice-id", help="A known invoice of the test customer [first of the list].")
@click.option(
    "--other-customer-code",
    help="ANOTHER customer's account number: none of its rows may show in the lists, and its "
    "first order and invoice must be answered not found.",
)
@click.option("--other-order-id", help="An order of ANOTHER customer (must be answered not found).")
@click.option(
    "--other-invoice-id", help="An invoice of ANOTHER customer (must be answered not found)."
)
@click.option(
    "--submit-sku",
    help="SKU of the test order the submit_order rules place [a line of the known order].",
)
@click.option(
    "--sku",
    "skus",
    multiple=True,
    help="A SKU the ERP prices and stocks, for the prices and inventory rules; repeatable "
    "[the lines of the known order].",
)
@click.option("--currency", help="Currency the prices are asked in (ISO 4217, the store's) [USD].")
@click.option("--page-size", type=int, help="Page size for the paging rules, at most 100 [10].")
@click.option(
    "--timeout",
    type=float,
    help="Timeout per call in seconds [5; 3 for taxes, shipping, prices and inventory; 10 "
    "for submit_order].",
)
@click.option("--latency-budget-ms", type=float, help="Latency budget per call [the timeout].")
@click.option(
    "--allow-private",
    is_flag=True,
    default=None,
    help="Let loopback and private hosts through the SSRF guard: needed to check an "
    "ERP on localhost or the local network.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    help="Report format [text]; json and junit are for CI.",
)
@click.option("--output", type=click.Path(dir_okay=False), help="Write the report to this file.")
def check_erp(config_file: str | None, **flags: Any) -> None:
    """Check an ERP API against the ERP contract; exit 1 when a rule fails, 2 on bad settings.

    \b
    Start from the config template, not from flags:
      cp docs/examples/erp-check.toml .   # fill in your URLs, customer codes and SKUs
      ERPGATE_CHECK_TOKEN=... erpgate check-erp --config erp-check.toml
    A runnable skeleton ERP to start from: docs/examples/skeleton_erp.py.
    Flags override the file; docs/check-erp.md explains every rule.
    """
    # The report is stdout's (a JSON or JUnit report must parse); anything logged goes to stderr.
    configure_logging("console", "WARNING")
    values: dict[str, Any] = read_or_exit(config_file)
    flags["format"] = flags.pop("output_format")
    flags["skus"] = list(flags["skus"]) or None  # no --sku: the file's skus, if any
    values.update({name: value for name, value in flags.items() if value is not None})
    try:
        config = build_config(values)
    except ConfigProblem as exc:
        raise BadSettings(str(exc)) from None
    if config.fixtures is not None:
        _check_fixtures(config)
        return
    report = asyncio.run(_run_with_progress(config))
    _emit(report, config)
    if not report.passed:
        raise click.exceptions.Exit(EXIT_FAILED)


def _check_fixtures(config: CheckConfig) -> None:
    assert config.profile is not None and config.fixtures is not None
    try:
        fixtures = read_fixtures(Path(config.fixtures))
    except FixtureProblem as exc:
        raise BadSettings(str(exc)) from None
    results = asyncio.run(check_fixtures(config.profile, fixtures))
    console = Console() if Console().is_terminal else Console(width=WIDE)
    for result in results:
        mark = "[green]PASS[/green]" if result.passed else "[red]FAIL[/red]"
        console.print(f"{mark} {result.name}: {result.sentence}", highlight=False)
    failed = sum(1 for result in results if not result.passed)
    console.print(f"{len(results) - failed} passed, {failed} failed", highlight=False)
    if failed:
        raise click.exceptions.Exit(EXIT_FAILED)


def read_or_exit(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        return read_config_file(Path(path))
    except ConfigProblem as exc:
        raise BadSettings(str(exc)) from None


async def _run_with_progress(config: CheckConfig) -> ConformanceReport:
    console = Console(stderr=True)
    # On a pipe or in CI the bar would only add noise between the report lines.
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("checking", total=None)

        def advance(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        return await run_direct(config, progress=advance)


def _emit(report: ConformanceReport, config: CheckConfig) -> None:
    rendered = {"json": as_json, "junit": as_junit, "text": as_text}[config.format](report)
    if config.output:
        try:
            Path(config.output).write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise BadSettings(f"Cannot write {config.output}: {exc.strerror}") from None
    if config.format == "text" or config.output:
        console = Console()
        if not console.is_terminal:
            console = Console(width=WIDE)  # CI logs: no terminal to wrap for
        print_text(report, console)
    else:
        click.echo(rendered, nl=not rendered.endswith("\n"))


COMMANDS: list[click.Command] = [check_erp]
