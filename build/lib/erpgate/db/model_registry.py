"""Imports every module that defines tables, so metadata is complete for migrations and tests.

Domains that keep their tables next to their code (events, outbox, ...) are listed here.
"""

from __future__ import annotations

import importlib
import pkgutil

TABLE_PACKAGES = ("erpgate.models",)


def import_all_models() -> None:
    for package_name in TABLE_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package_name}.{module.name}")
