"""ERP twins: simulators of real ERPs' own APIs (Business Central, SAP Business One, ERPNext,
Odoo) over the mock ERP's seeded data, for testing and demoing adapter profiles.

``build_twin`` makes a twin's aiohttp application; ``running_twin`` serves one on a loopback port
for a block of async code; ``start_twin`` runs one as a child process, as ``erpgate demo`` runs
the mock ERP.
"""

from erpgate.twins.registry import (
    TWIN_NAMES,
    TwinConfig,
    TwinHandle,
    TwinSecrets,
    base_path,
    build_twin,
    running_twin,
    start_twin,
)

__all__ = [
    "TWIN_NAMES",
    "TwinConfig",
    "TwinHandle",
    "TwinSecrets",
    "base_path",
    "build_twin",
    "running_twin",
    "start_twin",
]
