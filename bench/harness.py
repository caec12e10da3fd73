"""Bench plumbing: loopback processes started and stopped here, /proc sampling, wrk and bursts.

Everything listens on 127.0.0.1 on free ports; every process is started by the bench and
stopped by it (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ERPGATE = str(BIN / "erpgate")
WRK = os.environ.get("BENCH_WRK", "/usr/bin/wrk")
LUA = str(ROOT / "bench" / "vary.lua")
ERP_TOKEN = "demo-erp-token"  # noqa: S105 - the mock ERP's demo credential
BUYER = {"email": "buyer@example.com", "password": "demo-buyer", "store": "demo"}
ORDERS_PATH = "/api/v1/storefront/orders?page=1&page_size=20"
CLK_TCK = os.sysconf("SC_CLK_TCK")
RESULTS = ROOT / "bench" / "RESULTS.md"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    return found


def process_tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue.extend(_children(current))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (fields 14 and 15 of /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def _status_mb(pids: list[int], field_name: str) -> float:
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(field_name):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of VmHWM (peak resident set) over the processes, in MB."""
    return _status_mb(pids, "VmHWM:")


def current_rss_mb(pids: list[int]) -> float:
    """Sum of VmRSS (resident set now) over the processes, in MB."""
    return _status_mb(pids, "VmRSS:")


def database_name() -> str:
    """The database the bench runs on: BENCH_DATABASE_URL's, else a temporary SQLite file."""
    return "PostgreSQL" if "postgresql" in os.environ.get("BENCH_DATABASE_URL", "") else "SQLite"


def write_results_section(name: str, text: str) -> None:
    """Put ``text`` into bench/RESULTS.md between this section's markers, keeping the others
    (`make bench` and `make soak` each own one section)."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    current = RESULTS.read_text() if RESULTS.exists() else ""
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        current = head + block + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + ("\n\n" if current else "") + block
    RESULTS.write_text(current)


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def pids(self) -> list[int]:
        return process_tree(self.popen.pid)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


def start(name: str, argv: list[str], env: dict[str, str], workdir: Path) -> Proc:
    log = workdir / f"{name}.log"
    handle = log.open("ab")
    popen = subprocess.Popen(
        argv, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT, cwd=workdir
    )
    return Proc(name, popen, log)


@dataclass
class Stack:
    """The mock ERP, one seeded database, and whatever app processes a measure needs."""

    workdir: Path
    database_url: str
    erp_port: int = field(default_factory=free_port)
    procs: list[Proc] = field(default_factory=list)

    @property
    def erp_base(self) -> str:
        return f"http://127.0.0.1:{self.erp_port}"

    def env(self, **extra: str) -> dict[str, str]:
        values = {
            "ERPGATE_DATABASE_URL": self.database_url,
            "ERPGATE_ALLOWED_PRIVATE_HOSTS": "127.0.0.1,localhost",
            "ERPGATE_MAIL_BACKEND": "file",
            "ERPGATE_MAIL_DIR": str(self.workdir / "mail"),
            "ERPGATE_LOG_LEVEL": "WARNING",
            "ERPGATE_SHUTDOWN_DRAIN_SECONDS": "0",
            "ERPGATE_PUBLIC_URL": "http://127.0.0.1",
        }
        values.update(extra)
        return values

    def start_mock(self) -> Proc:
        argv = [ERPGATE, "mock-erp", "--port", str(self.erp_port), "--token", ERP_TOKEN]
        proc = start("mock-erp", argv, {}, self.workdir)
        self.procs.append(proc)
        wait_http(self.erp_base + "/")
        return proc

    def seed(self, erp_base: str | None = None) -> None:
        """Migrate and seed the demo store, its ERP URLs pointing at erp_base (default the mock)."""
        code = (
            "import asyncio, sys\n"
            "from erpgate.config import load_settings\n"
            "from erpgate.db.migrate import upgrade_to_head\n"
            "from erpgate.demo import _seed, mock_erp_urls\n"
            "s = load_settings()\n"
            "upgrade_to_head(s.database_url)\n"
            "asyncio.run(_seed(s, mock_erp_urls(int(sys.argv[1]))))\n"
        )
        port = (erp_base or self.erp_base).rsplit(":", 1)[1]
        subprocess.run(
            [sys.executable, "-c", code, port], env={**os.environ, **self.env()}, check=True
        )

    def start_app(self, workers: int, **settings: str) -> tuple[Proc, str]:
        port = free_port()
        argv = [ERPGATE, "serve", "--port", str(port), "--workers", str(workers)]
        proc = start(f"erpgate-{port}", argv, self.env(**settings), self.workdir)
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/healthz")
        return proc, base

    def start_bare(self, workers: int) -> tuple[Proc, str]:
        port = free_port()
        argv = [
            str(BIN / "uvicorn"),
            "bare_proxy:app",
            "--app-dir",
            str(ROOT / "bench"),
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        env = {"BARE_ERP_URL": self.erp_base + "/erp/orders", "BARE_ERP_TOKEN": ERP_TOKEN}
        proc = start(f"bare-{port}", argv, env, self.workdir)
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        # The bare proxy answers every path, so its readiness probe is a real pass-through.
        wait_http(base + "/?date_to=2100-01-01")
        return proc, base

    def stop(self, proc: Proc) -> None:
        proc.stop()
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()

    def erp_control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback only
            self.erp_base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return json.loads(answer.read())


@contextlib.contextmanager
def stack(database_url: str | None = None) -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="erpgate-bench-") as tmp:
        workdir = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        running = Stack(workdir, url)
        try:
            yield running
        finally:
            running.stop_all()


def login(base: str) -> str:
    """Sign the demo buyer in; return the Cookie header value."""
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + "/api/v1/auth/login",
        data=json.dumps(BUYER).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        cookies = answer.headers.get_all("Set-Cookie") or []
    return "; ".join(cookie.split(";", 1)[0] for cookie in cookies)


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx answers plus socket errors
    non2xx: int  # non-2xx answers alone
    cpu_us_per_request: float | None


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    watch: Proc | None = None,
    threads: int = 2,
    env: dict[str, str] | None = None,
) -> Run:
    """One wrk run; CPU per request is the watched process tree's utime+stime delta."""
    path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
    base = url[: len(url) - len(path)].rstrip("/")
    wrk_env = {"BENCH_WRK_PATH": "/" + path, **(env or {})}
    pids = watch.pids() if watch else []
    before = cpu_seconds(pids)
    argv = [
        WRK,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",  # wrk takes whole seconds
        "--timeout",
        "10s",
        "-s",
        LUA,
        base + "/",
    ]
    done = subprocess.run(
        argv, env={**os.environ, **wrk_env}, capture_output=True, text=True, check=True
    )
    used = cpu_seconds(pids) - before
    line = next(row for row in done.stdout.splitlines() if row.startswith("WRK_JSON "))
    figures = json.loads(line.removeprefix("WRK_JSON "))
    requests = figures["requests"]
    return Run(
        rps=requests / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        requests=requests,
        errors=figures["non2xx"] + figures["socket_errors"],
        non2xx=figures["non2xx"],
        cpu_us_per_request=(used * 1e6 / requests) if (watch and requests) else None,
    )


def measure(runs: int, warmup_seconds: float, seconds: float, **kwargs: Any) -> list[Run]:
    """A warm-up run (discarded), then `runs` runs."""
    url = kwargs.pop("url")
    wrk(url, seconds=warmup_seconds, **kwargs)
    return [wrk(url, seconds=seconds, **kwargs) for _ in range(runs)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def summary(runs: list[Run]) -> dict[str, float]:
    cpu = [r.cpu_us_per_request for r in runs if r.cpu_us_per_request is not None]
    return {
        "rps": median([r.rps for r in runs]),
        "p50_ms": median([r.p50_ms for r in runs]),
        "p99_ms": median([r.p99_ms for r in runs]),
        "errors": sum(r.errors for r in runs),
        "non2xx": sum(r.non2xx for r in runs),
        "requests": sum(r.requests for r in runs),
        "cpu_us": median(cpu) if cpu else float("nan"),
    }


async def burst(url: str, count: int, cookie: str) -> list[int]:
    """`count` identical GETs released at once over `count` connections; their statuses."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, headers={"Cookie": cookie}) as session:
        gate = asyncio.Event()

        async def one() -> int:
            await gate.wait()
            async with session.get(url) as answer:
                await answer.read()
                return answer.status

        tasks = [asyncio.create_task(one()) for _ in range(count)]
        await asyncio.sleep(0.05)
        gate.set()
        return list(await asyncio.gather(*tasks))


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        model = next(
            (ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")), model
        )
    mem_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as handle:
        mem_kb = int(next(ln for ln in handle if ln.startswith("MemTotal")).split()[1])
    import uvicorn

    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": model,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "uvicorn": uvicorn.__version__,
        "aiohttp": aiohttp.__version__,
        "wrk": (wrk_version.split("\n")[0] or "?").strip(),
    }
