"""The `twin` command; the main CLI registers ``twin_command``."""

from __future__ import annotations

import click

from erpgate.mock_erp.cli import check_fault_specs
from erpgate.mock_erp.config import FAULT_KINDS

# The names, repeated here so `erpgate --help` need not import aiohttp and the twins.
TWIN_CHOICES = ("business-central", "sap-b1", "erpnext", "odoo")


@click.command("twin")
@click.argument("name", type=click.Choice(TWIN_CHOICES))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8200, show_default=True, type=int, help="Port to listen on.")
@click.option("--seed", default=4935, show_default=True, type=int, help="Seed of the fake data.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    callback=check_fault_specs,
    help="Inject a fault: ENDPOINT=KIND[:ARG][,name=value], e.g. orders=status:500, "
    "orders=rate_limit:5, orders=huge_page, login=status:503. ENDPOINT is a contract endpoint "
    f"(or token, login, *). KIND is one of: {', '.join(FAULT_KINDS)}. Repeatable.",
)
@click.option("--client-id", default="twin-client", show_default=True, help="Business Central.")
@click.option("--client-secret", default="twin-secret", show_default=True, help="Business Central.")
@click.option("--company-db", default="SBODEMOUS", show_default=True, help="SAP Business One.")
@click.option("--user", default="manager", show_default=True, help="SAP Business One.")
@click.option("--password", default="twin-password", show_default=True, help="SAP Business One.")
@click.option("--api-key", default="twin-key", show_default=True, help="ERPNext.")
@click.option("--api-secret", default="twin-secret", show_default=True, help="ERPNext.")
@click.option("--odoo-key", default="twin-odoo-key", show_default=True, help="Odoo.")
@click.option("--odoo-db", default="erpgate", show_default=True, help="Odoo.")
@click.option(
    "--stop-when-stdin-closes",
    is_flag=True,
    hidden=True,  # for processes started by start_twin, which hold its stdin
    help="Stop when standard input is closed.",
)
def twin_command(
    name: str,
    host: str,
    port: int,
    seed: int,
    faults: tuple[str, ...],
    client_id: str,
    client_secret: str,
    company_db: str,
    user: str,
    password: str,
    api_key: str,
    api_secret: str,
    odoo_key: str,
    odoo_db: str,
    stop_when_stdin_closes: bool,
) -> None:
    """Run an ERP twin: a simulator of a real ERP's own API over the mock ERP's seeded data."""
    # Imported here so `erpgate --help` does not pay for aiohttp and the data set.
    from erpgate.twins.common import TwinConfig, TwinSecrets
    from erpgate.twins.registry import run_twin

    secrets = TwinSecrets(
        bc_client_id=client_id,
        bc_client_secret=client_secret,
        sap_company_db=company_db,
        sap_user=user,
        sap_password=password,
        erpnext_api_key=api_key,
        erpnext_api_secret=api_secret,
        odoo_api_key=odoo_key,
        odoo_database=odoo_db,
    )
    config = TwinConfig(secrets=secrets, faults=list(faults), seed=seed)
    run_twin(name, host, port, config, stop_when_stdin_closes=stop_when_stdin_closes)
