"""Runs the checker straight against an ERP with its own client (the CLI's way; no database)."""

from __future__ import annotations

from erpgate.conformance.caller import DirectCaller
from erpgate.conformance.checker import ProgressHook, run_checks
from erpgate.conformance.config import CheckConfig
from erpgate.conformance.results import ConformanceReport
from erpgate.erp.attempts import ListSink
from erpgate.erp.client import ErpClient


async def run_direct(
    config: CheckConfig, progress: ProgressHook | None = None
) -> ConformanceReport:
    """Check the configured endpoints; every attempt is kept in memory for the report."""
    sink = ListSink()
    client = ErpClient(config.client_options(), sink)
    await client.start()
    try:
        caller = DirectCaller(client, sink, config.targets(), config.plan.customer_code)
        return await run_checks(caller, config.plan, progress=progress)
    finally:
        await client.close()
