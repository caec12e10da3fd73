"""Runs the checker straight against an ERP with its own client (the CLI's way; no database)."""

from __future__ import annotations

from erpgate.conformance.caller import DirectCaller
from erpgate.conformance.checker import ProgressHook, run_checks
from erpgate.conformance.config import CheckConfig
from erpgate.conformance.results import ConformanceReport
from erpgate.conformance.wording import cli_wording
from erpgate.erp.gateway import ErpGateway
from erpgate.erp.outcome import NullSink


async def run_direct(
    config: CheckConfig, progress: ProgressHook | None = None
) -> ConformanceReport:
    """Check the configured endpoints; each outcome carries its attempts to the report."""
    options = config.client_options()
    gateway = ErpGateway(options, NullSink())
    await gateway.start()
    try:
        caller = DirectCaller(gateway, config.targets(options), cli_wording(config.base_paths))
        return await run_checks(caller, config.plan, progress=progress)
    finally:
        await gateway.close()
