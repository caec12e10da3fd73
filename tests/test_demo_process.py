"""`erpgate demo` as real processes: however the demo ends, its mock ERP ends with it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.live_server import free_port, wait_for

pytestmark = pytest.mark.own_database


def _demo_env(workdir: Path) -> dict[str, str]:
    # The developer's own ERPGATE_ settings must not leak into the demo under test.
    env = {name: value for name, value in os.environ.items() if not name.startswith("ERPGATE_")}
    env["ERPGATE_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
    env["ERPGATE_MAIL_DIR"] = str(workdir / "mail")
    return env


def _start_demo(
    workdir: Path, port: int, erp_port: int, *, blocked: set[signal.Signals] | None = None
) -> subprocess.Popen[bytes]:
    """The demo, its output in demo.out and demo.log of ``workdir``; ``blocked`` signals are
    blocked in the mask it inherits, as some supervisors and CI runners leave them."""

    def block_signals() -> None:
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, blocked)

    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "erpgate.cli",
            "demo",
            "--port",
            str(port),
            "--erp-port",
            str(erp_port),
        ],
        cwd=workdir,
        env=_demo_env(workdir),
        stdout=(workdir / "demo.out").open("wb"),
        stderr=(workdir / "demo.log").open("wb"),
        preexec_fn=block_signals if blocked else None,
    )


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _is_running(pid: int) -> bool:
    """False once the process is gone or a zombie (ended, not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _ended_soon(pid: int, erp_port: int, seconds: float = 20.0) -> bool:
    """Waits for the mock ERP to go; the deadline only bounds a failing test."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _is_running(pid) and not _port_open(erp_port):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def ports() -> Iterator[tuple[int, int]]:
    yield free_port(), free_port()


ENDING_SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]


@pytest.mark.parametrize(
    ("signum", "blocked"),
    [(signum, None) for signum in [*ENDING_SIGNALS, signal.SIGKILL]]
    # Started by a parent that blocks them (the mask is inherited), the demo still ends on them.
    + [(signum, set(ENDING_SIGNALS)) for signum in ENDING_SIGNALS],
    ids=lambda value: value.name if isinstance(value, signal.Signals) else "blocked" * bool(value),
)
def test_any_signal_that_ends_the_demo_ends_its_mock_erp(
    tmp_path: Path,
    ports: tuple[int, int],
    signum: signal.Signals,
    blocked: set[signal.Signals] | None,
) -> None:
    port, erp_port = ports
    demo = _start_demo(tmp_path, port, erp_port, blocked=blocked)
    mock_pids: list[int] = []
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", demo, seconds=120)
        mock_pids = _children(demo.pid)
        assert len(mock_pids) == 1 and _port_open(erp_port)

        demo.send_signal(signum)
        demo.wait(timeout=60)

        assert _ended_soon(mock_pids[0], erp_port), (tmp_path / "demo.log").read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=10)
        for pid in mock_pids:  # a mock left behind by a failing run
            if _is_running(pid):
                os.kill(pid, signal.SIGKILL)


def test_an_app_that_cannot_start_ends_the_demo_and_its_mock_erp(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    port, erp_port = ports
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        demo = _start_demo(tmp_path, port, erp_port)
        try:
            returncode = demo.wait(timeout=120)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait(timeout=10)
    log = (tmp_path / "demo.log").read_text()
    assert returncode != 0, log
    assert not _port_open(erp_port), log


def test_the_demo_prints_the_customer_accounts_the_store_has_and_no_others(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    port, erp_port = ports
    demo = _start_demo(tmp_path, port, erp_port)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", demo, seconds=120)
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=60)
    printed = (tmp_path / "demo.out").read_text()

    # While it starts, it says what it is doing, in order, and where the database is.
    steps = re.findall(r"^erpgate demo: (.+)…$", printed, flags=re.MULTILINE)
    assert steps == [
        f"preparing the database (SQLite at {tmp_path / 'demo.db'})",
        f"starting the mock ERP on port {erp_port}",
        "seeding the demo store: its customer accounts, buyers, admins and catalog",
        f"starting erpgate on port {port}",
    ]
    assert printed.index("starting erpgate") < printed.index("erpgate demo is running")
    assert (
        "  customer accounts: Acme Industrial Supply (C0004935), Gibsonburg Hardware (C010268)\n"
        in printed
    )
    # The mock ERP knows four more customers; the store has no account for them.
    assert sorted(set(re.findall(r"\bC\d{6,7}\b", printed))) == ["C0004935", "C010268"]
