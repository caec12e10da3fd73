"""The wheel, installed as an operator installs it, outside the checkout: it migrates, serves and
answers, on SQLite and (under scripts/with-postgres.sh) on a fresh PostgreSQL database.

Built from a copy of the sources, installed with pip into a new venv in a temporary directory and
run from there, so nothing can come from the checkout. Its dependencies are not downloaded again:
the new venv sees the project venv's copies of exactly erpgate's runtime dependencies (declared in
the wheel's metadata, followed transitively), linked into one directory; `pip check` then proves
the wheel's requirements are met, and an undeclared import fails, since nothing else is there.
"""

from __future__ import annotations

import email
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from erpgate.kit.crypto import generate_key
from tests.plugins.live_server import free_port

pytestmark = pytest.mark.installed_wheel

CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass
class Installed:
    venv: Path
    erpgate: Path


def _run(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd
    )


def _build_wheel(work: Path) -> Path:
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(CHECKOUT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(CHECKOUT / "src", source / "src", ignore=ignore)
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--wheel-dir", work / "dist", source,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("erpgate-*.whl")
    return wheel


def _runtime_requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(archive.read(name))
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]


def _link_dependencies(requirements: list[Requirement], target: Path) -> None:
    """Link every distribution the requirements need (transitively) from this venv."""
    target.mkdir()
    done: dict[str, set[str]] = {}
    todo = [(r.name, set(r.extras)) for r in requirements]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in done and extras <= done[key]:
            continue
        done[key] = done.get(key, set()) | extras
        dist = importlib.metadata.distribution(name)
        for line in dist.requires or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in ("", *done[key])]
            marker = requirement.marker
            if marker is None or any(marker.evaluate(env) for env in environments):
                todo.append((requirement.name, set(requirement.extras)))
        for top in {file.parts[0] for file in dist.files or [] if file.parts[0] != ".."}:
            link = target / top
            if not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(work)
    venv = work / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import site; print(site.getsitepackages()[0])").stdout.strip())
    _link_dependencies(_runtime_requirements(wheel), work / "deps")
    (site / "erpgate-deps.pth").write_text(f"{work / 'deps'}\n")
    pip = (sys.executable, "-m", "pip", "--python", python)
    done = _run(*pip, "install", "--no-deps", "--no-index", wheel)
    assert done.returncode == 0, done.stderr
    checked = _run(*pip, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return Installed(venv, venv / "bin" / "erpgate")


@pytest.fixture
def database_url_for_the_wheel(tmp_path: Path) -> Iterator[str]:
    """A database nobody has migrated: a new SQLite file, or a new PostgreSQL database on the
    test server when the suite runs on PostgreSQL (its role may create databases there)."""
    server = os.environ.get("ERPGATE_TEST_DATABASE_URL")
    if server is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'erpgate.db'}"
        return
    name = f"erpgate_wheel_{uuid.uuid4().hex[:8]}"
    _admin_sql(server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_sql(url: str, statement: str) -> None:
    import asyncio

    async def run() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (our own server)
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait_until_serving(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"erpgate serve exited: {server.communicate()}")
        try:
            if _get(base + "/healthz") == (200, "ok"):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("erpgate serve did not answer /healthz within 60 s")


def test_the_installed_wheel_migrates_serves_and_answers(
    installed: Installed, database_url_for_the_wheel: str, tmp_path: Path
) -> None:
    home = tmp_path / "srv"
    home.mkdir()
    env = {
        "PATH": f"{installed.venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "ERPGATE_ENVIRONMENT": "production",
        "ERPGATE_SESSION_SECRET": "s" * 40,
        "ERPGATE_SECRET_KEYS": generate_key(),
        "ERPGATE_DATABASE_URL": database_url_for_the_wheel,
        "ERPGATE_LOG_FORMAT": "json",
        "ERPGATE_SHUTDOWN_DRAIN_SECONDS": "0",  # stopped by the test: nothing to drain for
    }
    where = _run(installed.venv / "bin" / "python", "-c", "import erpgate; print(erpgate.__file__)", env=env, cwd=home)  # fmt: skip
    assert where.stdout.startswith(str(installed.venv)), where.stdout + where.stderr

    port = free_port()
    serve = (installed.erpgate, "serve", "--port", str(port))
    refused = _run(*serve, env=env, cwd=home)
    assert refused.returncode == 1
    line = json.loads(refused.stderr)  # production logs JSON, a refusal to start included
    assert (line["event"], line["reason"]) == (
        "startup_failed",
        "the database has no erpgate tables yet: run `erpgate migrate` first",
    )

    migrated = _run(installed.erpgate, "migrate", env=env, cwd=home)
    assert (migrated.returncode, migrated.stdout) == (0, "database is up to date\n"), (
        migrated.stderr
    )

    server = subprocess.Popen(
        [str(arg) for arg in serve], env=env, cwd=home, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base, server)
        status, page = _get(base + "/admin/login")
        assert status == 200 and "Sign in" in page
        assert _get(base + "/static/erpgate.css")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
