"""Shared helpers of the conformance tests."""

from __future__ import annotations

from typing import Any

from erpgate.conformance.config import build_config
from erpgate.conformance.direct import run_direct
from erpgate.conformance.results import ConformanceReport, RuleResult
from erpgate.mock_erp.server import MockErpHandle

CUSTOMER = "C0004935"
OTHER_CUSTOMER = "C010268"


async def check(handle: MockErpHandle, **settings: Any) -> ConformanceReport:
    values: dict[str, Any] = {
        "base_url": handle.base_url,
        "token": handle.config.token,
        "customer_code": CUSTOMER,
        "allow_private": True,
    }
    values.update(settings)
    return await run_direct(build_config(values))


def failed(report: ConformanceReport) -> set[tuple[str, str]]:
    return {(result.rule, result.endpoint) for result in report.failures}


def only(report: ConformanceReport, rule: str, endpoint: str) -> RuleResult:
    found = report.find(rule, endpoint)
    assert len(found) == 1, found
    return found[0]
