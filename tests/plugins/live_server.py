"""A real running erpgate and mock ERP for browser tests (session scope, separate processes).

Use the ``live_server`` fixture: it yields a ``LiveServer`` with ``.base_url`` (the app),
``.erp_base_url`` (the mock ERP), ``.database_url``, ``set_fault(endpoint, fault, **params)`` and
``clear_faults()``. The data is the demo's (``erpgate.demo.seed_demo``): store ``demo``, buyers
buyer@example.com / demo-buyer and viewer@example.com / demo-viewer, admin@example.com /
demo-admin. Browser tests run in their own pytest process: ``pytest -m browser``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from erpgate.demo import DEMO_ERP_TOKEN, mock_erp_urls

CHROMIUM = "/usr/bin/chromium"
# The demo's URLs the shared store starts without (the _PREPARE script leaves the same out).
NOT_SET_BY_DEFAULT = frozenset({"submit_order", "prices", "inventory"})
# Screenshots are taken on every run (a page that cannot render fails the test) but only replace
# the README's images when asked: `make screenshots` sets ERPGATE_SCREENSHOTS=1.
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

# Migrate (PostgreSQL: after emptying it) and seed the demo data, in a fresh interpreter so no
# event loop of the test process (sync Playwright runs one) is in the way.
_PREPARE = """
import asyncio, sys
from erpgate.config import load_settings
from erpgate.db.migrate import upgrade_to_head
from erpgate.demo import _seed, mock_erp_urls
settings = load_settings()
if settings.database_url.startswith("postgresql"):
    from sqlalchemy import text
    from erpgate.db.engine import create_engine
    async def drop():
        engine = create_engine(settings.database_url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    asyncio.run(drop())
upgrade_to_head(settings.database_url)
# Without the Submit Order URL: placed orders stay in the store, as most browser tests expect;
# the test of delivery sets it and clears it again. Without the Prices and Inventory URLs: the
# catalog's own prices show, as the pages' tests expect.
urls = {
    k: v
    for k, v in mock_erp_urls(int(sys.argv[1])).items()
    if k not in ("submit_order", "prices", "inventory")
}
asyncio.run(_seed(settings, urls))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered at {url}")


@dataclass
class LiveServer:
    base_url: str
    erp_base_url: str
    database_url: str
    erp_urls: dict[str, str]
    mail_dir: Path

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 (our own loopback mock)
            self.erp_base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def set_fault(self, endpoint: str, fault: str, **params: Any) -> None:
        """Inject a fault in the mock ERP: ``set_fault("orders", "status", status=500)``;
        endpoint "*" means all seven."""
        self._control("POST", "/_control/faults", {"endpoint": endpoint, "fault": fault, **params})

    def clear_faults(self) -> None:
        self._control("DELETE", "/_control/faults")

    def set_paging_style(self, style: str) -> None:
        self._control("POST", "/_control/paging", {"paging_style": style})

    def erp_calls(self) -> dict[str, Any]:
        """Call counts per endpoint and the last requests the mock ERP received."""
        calls: dict[str, Any] = self._control("GET", "/_control/calls")
        return calls


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir: Path = tmp_path_factory.mktemp("live")
    database_url = os.environ.get("ERPGATE_TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{workdir / 'live.db'}"
    )
    erp_port, app_port = free_port(), free_port()
    env = {
        **os.environ,
        "ERPGATE_DATABASE_URL": database_url,
        # Seeded before the app starts: the entry may name the demo store.
        "ERPGATE_ALLOWED_PRIVATE_HOSTS": f"127.0.0.1:{erp_port}@demo",
        "ERPGATE_MAIL_DIR": str(workdir / "mail"),
        "ERPGATE_PUBLIC_URL": f"http://127.0.0.1:{app_port}",
        # Problems resolve after a few quiet seconds here, so a browser test can watch it.
        "ERPGATE_PROBLEM_QUIET_SECONDS": "4",
        "ERPGATE_SHUTDOWN_DRAIN_SECONDS": "0",  # no load balancer to drain for
    }
    cli = [sys.executable, "-m", "erpgate.cli"]
    erp = subprocess.Popen(
        [*cli, "mock-erp", "--port", str(erp_port), "--token", DEMO_ERP_TOKEN],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    app: subprocess.Popen[bytes] | None = None
    try:
        wait_for(f"http://127.0.0.1:{erp_port}/", erp)
        subprocess.run(
            [sys.executable, "-c", _PREPARE, str(erp_port)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        app = subprocess.Popen([*cli, "serve", "--port", str(app_port)], env=env)
        wait_for(f"http://127.0.0.1:{app_port}/healthz", app)
        yield LiveServer(
            base_url=f"http://127.0.0.1:{app_port}",
            erp_base_url=f"http://127.0.0.1:{erp_port}",
            database_url=database_url,
            erp_urls={
                name: url
                for name, url in mock_erp_urls(erp_port).items()
                if name not in NOT_SET_BY_DEFAULT
            },
            mail_dir=workdir / "mail",
        )
    finally:
        if app is not None:
            _stop(app)
        _stop(erp)


@pytest.fixture
def erp_faults(live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server, with every injected fault cleared again after the test."""
    yield live_server
    live_server.clear_faults()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium instead of a downloaded one (see docs and test-recipes §1)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot into docs/screenshots (ERPGATE_SCREENSHOTS=1) or a temporary dir."""
    keep = os.environ.get("ERPGATE_SCREENSHOTS") == "1"
    folder = DOCS_SHOTS if keep else Path(tempfile.gettempdir()) / "erpgate-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
