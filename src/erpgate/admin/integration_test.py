"""The "Test integration" button: runs the conformance checker for one customer account.

The checker lives in ``erpgate.conformance`` (its own package, also behind `erpgate check-erp`).
This module loads the store's live integration, calls ``run_admin_test`` and turns its report into
rows the page can show, whatever the report's exact class.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.db.engine import release_connection
from erpgate.erp.gateway import ErpGateway
from erpgate.integration import service as integration_service
from erpgate.kit.crypto import SecretBox
from erpgate.models.customer_account import CustomerAccount

CHECKER_MODULE = "erpgate.conformance"
CHECKER_FUNCTION = "run_admin_test"


@dataclass(frozen=True, slots=True)
class TestRow:
    endpoint: str
    passed: bool
    rule: str
    message: str
    trace_id: str | None
    status: str = ""


@dataclass(frozen=True, slots=True)
class TestReport:
    available: bool
    rows: list[TestRow]
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.available and all(row.passed for row in self.rows)


def _checker() -> Any:
    try:
        module = importlib.import_module(CHECKER_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == CHECKER_MODULE:
            return None
        raise
    return getattr(module, CHECKER_FUNCTION, None)


def available() -> bool:
    return _checker() is not None


def _get(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return None


def _rows(report: Any) -> list[TestRow]:
    items = _get(report, "results", "endpoints", "checks", "rows")
    rows = []
    for item in items or []:
        status = str(_get(item, "status", "outcome") or "").lower()
        passed = status in ("pass", "passed", "ok", "skip") if status else _get(item, "passed")
        trace_ids = _get(item, "trace_ids") or [_get(item, "trace_id", "reference")]
        rows.append(
            TestRow(
                endpoint=str(_get(item, "endpoint", "name") or ""),
                passed=bool(passed),
                rule=str(_get(item, "rule", "failed_rule", "check") or ""),
                message=str(_get(item, "message", "detail", "error") or ""),
                trace_id=next((str(t) for t in trace_ids if t), None),
                status=status or ("pass" if passed else "fail"),
            )
        )
    return rows


async def run(
    gateway: ErpGateway, box: SecretBox, db: AsyncSession, account: CustomerAccount
) -> TestReport:
    checker = _checker()
    if checker is None:
        return TestReport(
            available=False,
            rows=[],
            message="The conformance checker is not part of this build yet.",
        )
    live = await integration_service.load_live_integration(
        db, account.store_id, box, gateway.options
    )
    if not live.installed:
        return TestReport(available=True, rows=[], message="Install the app first.")
    await release_connection(db)  # the rules call the ERP many times: hold no connection
    report = await checker(gateway, live, account)
    return TestReport(
        available=True, rows=_rows(report), message=str(_get(report, "summary") or "")
    )
