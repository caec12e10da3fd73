"""The twins by name: build one's application, serve it in-process, or start it as a process."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from erpgate.mock_erp.server import stdin_closed
from erpgate.mock_erp.state import STATE_KEY, MockErpState
from erpgate.twins import business_central, erpnext, odoo, sap_b1
from erpgate.twins.common import TwinConfig, TwinSecrets

_BUILDERS: dict[str, tuple[Callable[[TwinConfig], web.Application], str]] = {
    "business-central": (business_central.build_app, business_central.BASE_PATH),
    "sap-b1": (sap_b1.build_app, sap_b1.BASE_PATH),
    "erpnext": (erpnext.build_app, erpnext.BASE_PATH),
    "odoo": (odoo.build_app, odoo.BASE_PATH),
}
TWIN_NAMES = tuple(_BUILDERS)

__all__ = ["TwinConfig", "TwinSecrets"]


def _builder(name: str) -> tuple[Callable[[TwinConfig], web.Application], str]:
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ValueError(f"unknown twin {name!r}; known: {', '.join(TWIN_NAMES)}") from None


def base_path(name: str) -> str:
    """The path every API URL of the twin starts with (after scheme, host and port)."""
    return _builder(name)[1]


def build_twin(name: str, config: TwinConfig | None = None) -> web.Application:
    """The aiohttp application of the twin ``name`` (its data built once, here)."""
    return _builder(name)[0](config or TwinConfig())


@dataclass(slots=True)
class TwinHandle:
    """A running twin as tests see it."""

    name: str
    origin: str  # http://127.0.0.1:PORT
    base_url: str  # origin + the API's base path
    state: MockErpState

    def set_fault(self, endpoint: str, fault: str, **params: Any) -> None:
        self.state.set_fault(endpoint, fault, **params)

    def clear_faults(self, endpoint: str | None = None) -> None:
        self.state.clear_faults(endpoint)

    def calls(self, endpoint: str) -> int:
        return self.state.counts[endpoint]


@contextlib.asynccontextmanager
async def running_twin(
    name: str, config: TwinConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[TwinHandle]:
    """Serve the twin on a (by default free, loopback) port for the duration of the block."""
    app = build_twin(name, config)
    runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0]
        url_host = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        origin = f"http://{url_host}:{bound[1]}"
        yield TwinHandle(name, origin, origin + base_path(name), app[STATE_KEY])
    finally:
        await runner.cleanup()


def run_twin(
    name: str,
    host: str,
    port: int,
    config: TwinConfig,
    *,
    stop_when_stdin_closes: bool = False,
) -> None:
    """Serve a twin until interrupted, after printing its base URL and customer codes."""

    async def serve() -> None:
        async with running_twin(name, config, host, port) as handle:
            print(f"{name}: {handle.base_url}", flush=True)
            print(f"customers: {', '.join(handle.state.data.customer_codes())}", flush=True)
            await (stdin_closed() if stop_when_stdin_closes else asyncio.Event().wait())

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


def start_twin(
    name: str, port: int, host: str = "127.0.0.1", faults: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """Start ``erpgate twin NAME`` as a child process with the default secrets.

    Its stdin is a pipe only the caller holds: when the caller ends in any way, the pipe closes
    and the twin stops, so it cannot squat on its port. Wait for ``GET /`` before using it.
    """
    _builder(name)
    command = [sys.executable, "-m", "erpgate.cli", "twin", name, "--port", str(port)]
    command += ["--host", host, "--stop-when-stdin-closes"]
    for spec in faults:
        command += ["--fault", spec]
    return subprocess.Popen(  # noqa: S603 (our own CLI)
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
    )


def adapter_addresses(name: str, origin: str) -> tuple[str, str | None]:
    """Where the shipped adapter profile ``name`` must point to read the twin served at
    ``origin``: its base URL, and Business Central's token URL."""
    if name == "business-central":
        return origin + business_central.BASE_PATH + "/", origin + business_central.TOKEN_PATH
    if name == "erpnext":  # the ERPNext profile starts at the site: its paths begin with api/
        return origin + "/", None
    return origin + base_path(name) + "/", None


def adapter_credentials(name: str, secrets: TwinSecrets | None = None) -> tuple[str, str]:
    """The (Key, Token) the shipped profile's auth driver sends to this twin."""
    s = secrets or TwinSecrets()
    return {
        "business-central": (s.bc_client_id, s.bc_client_secret),
        "sap-b1": (s.sap_user, s.sap_password),
        "erpnext": (s.erpnext_api_key, s.erpnext_api_secret),
        "odoo": ("", s.odoo_api_key),
    }[_known(name)]


def _known(name: str) -> str:
    _builder(name)
    return name
