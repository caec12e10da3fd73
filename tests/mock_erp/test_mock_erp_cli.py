"""The `mock-erp` command: options, fault spec checking, and the URLs it prints on start."""

from __future__ import annotations

import socket
import subprocess
import sys

from click.testing import CliRunner

from erpgate.mock_erp.cli import mock_erp_command
from erpgate.mock_erp.config import PRICE_MISTAKES

NAMES = [
    "orders",
    "order",
    "invoices",
    "invoice",
    "balance",
    "taxes",
    "shipping",
    "submit_order",
    "prices",
    "inventory",
]


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(mock_erp_command, ["--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--token",
        "--key",
        "--auth-style",
        "--fault",
        "--paging-style",
        "--seed",
    ):
        assert option in result.output
    kinds = " ".join(result.output.split())
    for kind in PRICE_MISTAKES:
        assert kind in kinds


def test_bad_fault_spec_and_header_without_key_are_usage_errors() -> None:
    bad_fault = CliRunner().invoke(mock_erp_command, ["--fault", "orders=boom"])
    assert bad_fault.exit_code == 2 and "unknown fault 'boom'" in bad_fault.output
    no_key = CliRunner().invoke(mock_erp_command, ["--auth-style", "header"])
    assert no_key.exit_code == 2 and "needs --key" in no_key.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_command_prints_the_ten_urls_then_the_customers() -> None:
    port = _free_port()
    code = "from erpgate.mock_erp.cli import mock_erp_command; mock_erp_command()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--port", str(port), "--fault", "orders=status:500"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().rstrip("\n") for _ in range(11)]
    finally:
        process.terminate()
        process.wait(timeout=10)
    base = f"http://127.0.0.1:{port}"
    assert lines[:10] == [
        f"{name}: {base}{path}"
        for name, path in zip(
            NAMES,
            [
                "/erp/orders",
                "/erp/orders/get",
                "/erp/invoices",
                "/erp/invoices/get",
                "/erp/balance",
                "/erp/checkout/taxes",
                "/erp/checkout/shipping",
                "/erp/orders/submit",
                "/erp/prices",
                "/erp/inventory",
            ],
            strict=True,
        )
    ]
    assert lines[10].startswith("customers: C0004935, ")
