"""How a command refuses to start: one line an operator (or a log pipeline) can read."""

from __future__ import annotations

import os
from typing import NoReturn

import click


def refuse_start(message: str) -> NoReturn:
    """Stop with one line: a JSON log line when ERPGATE_LOG_FORMAT=json (production), else
    click's "Error: ..." (read from the environment: the settings may be what failed)."""
    if os.environ.get("ERPGATE_LOG_FORMAT", "").strip().lower() == "json":
        from erpgate.logging import configure_logging, log_startup_failure

        configure_logging("json")
        log_startup_failure(message)
        raise SystemExit(1)
    raise click.ClickException(message)
