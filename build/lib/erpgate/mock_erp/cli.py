"""The `mock-erp` command; the main CLI registers ``mock_erp_command``."""

from __future__ import annotations

import click

from erpgate.mock_erp.config import (
    AUTH_STYLES,
    FAULT_KINDS,
    PAGING_STYLES,
    FaultSpecError,
    parse_fault_spec,
)


def check_fault_specs(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    for spec in value:
        try:
            parse_fault_spec(spec)
        except FaultSpecError as exc:
            raise click.BadParameter(str(exc)) from exc
    return value


@click.command("mock-erp")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8100, show_default=True, type=int, help="Port to listen on.")
@click.option("--token", default="mock-token", show_default=True, help="The Token it accepts.")
@click.option("--key", default="", help="The Key (API key, header name, user or client id).")
@click.option(
    "--auth-style",
    type=click.Choice(AUTH_STYLES),
    default="bearer",
    show_default=True,
    help="How credentials must travel.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    callback=check_fault_specs,
    help="Inject a fault: ENDPOINT=KIND[:ARG][,name=value], e.g. orders=status:500, "
    "'*=latency:0.5', taxes=status:429,retry_after=3, prices=other_currency. Repeatable. "
    f"KIND is one of: {', '.join(FAULT_KINDS)} (docs/erp-contract.md says what each does).",
)
@click.option(
    "--paging-style",
    type=click.Choice(PAGING_STYLES),
    default="total",
    show_default=True,
    help="What list meta carries.",
)
@click.option("--seed", default=4935, show_default=True, type=int, help="Seed of the fake data.")
@click.option(
    "--stop-when-stdin-closes",
    is_flag=True,
    hidden=True,  # for `erpgate demo`, which runs it as a child holding its stdin
    help="Stop when standard input is closed.",
)
def mock_erp_command(
    host: str,
    port: int,
    token: str,
    key: str,
    auth_style: str,
    faults: tuple[str, ...],
    paging_style: str,
    seed: int,
    stop_when_stdin_closes: bool,
) -> None:
    """Run the reference mock ERP: the ten contract endpoints over seeded data."""
    if auth_style == "header" and not key:
        raise click.UsageError("--auth-style header needs --key (the header name)")
    # Imported here so `erpgate --help` does not pay for aiohttp and the data set.
    from erpgate.mock_erp.server import run_mock_erp

    run_mock_erp(
        host,
        port,
        token=token,
        key=key,
        auth_style=auth_style,
        faults=list(faults),
        paging_style=paging_style,
        seed=seed,
        stop_when_stdin_closes=stop_when_stdin_closes,
    )
