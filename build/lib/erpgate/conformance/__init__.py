"""The ERP conformance checker: one rule engine behind `erpgate check-erp` and "Test integration".

``run_admin_test`` is imported lazily: the CLI needs neither the web app nor the database layer.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_admin_test"]


def __getattr__(name: str) -> Any:
    if name == "run_admin_test":
        from erpgate.conformance.admin import run_admin_test

        return run_admin_test
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
