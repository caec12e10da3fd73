"""A schemathesis run over the app's own OpenAPI (admin and storefront JSON APIs): no input makes a
server error.

A live `erpgate serve` (demo data, mock ERP behind it) is driven by schemathesis's own command
line with a signed-in buyer and a signed-in store owner at once: both session cookies on every
request, and the X-CSRF-Token of the API under test (one run for the admin API, one for the
storefront's). Each run goes through the phases that find 500s: the schema's examples, the
coverage phase (every bound and one step past it: page 10,001, a search one character too long,
missing and extra fields) and 25 generated cases per operation, deterministic so a failure
reproduces. Left out, and why:

- the three sign-out operations: they would end the sessions the rest of the run needs;
- PUT and PATCH /api/v1/admin/integration: they resolve the ERP hostnames they are given, and
  fuzzed hostnames would send DNS queries off this machine (tests stay on loopback).

Install/uninstall run last, on their own, so switching the integration off does not hide the
storefront operations behind 404s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.resilience.processes import (
    base_env,
    prepare_database,
    signed_in_buyer,
    start_app,
    start_mock_erp,
    stopping,
)

ADMIN = ("admin@example.com", "demo-admin")
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
EXAMPLES_PER_OPERATION = 25
# The bound on one run: a run that has not finished by then fails (it takes well under a minute).
RUN_TIMEOUT_SECONDS = 900
# Operations are picked by operation id: FastAPI's end in the path and the method. (One regex per
# run: schemathesis ANDs a path regex with an operation-id regex, and a second regex option of the
# same kind replaces the first.)
SIGN_OUTS = r"_api_v1_(admin_)?auth_logout(_everywhere)?_post$"
INSTALL = r"_api_v1_admin_integration_(install|uninstall)_post$"
INTEGRATION_WRITES = r"_api_v1_admin_integration_(put|patch)$"


@dataclass(frozen=True)
class Live:
    base_url: str
    cookie_header: str
    buyer_csrf: str
    admin_csrf: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir: Path = tmp_path_factory.mktemp("fuzz")
    database_url = os.environ.get("ERPGATE_TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{workdir / 'fuzz.db'}"
    )
    env = base_env(database_url, workdir, run_worker_in_process="false")
    with stopping([]) as processes:
        erp, erp_port = start_mock_erp(env, [])
        processes.append(erp)
        prepare_database(env, erp_port)
        app, base_url = start_app(env)
        processes.append(app)
        with signed_in_buyer(base_url) as buyer:
            buyer_csrf = buyer.get("/api/v1/storefront/me").json()["csrf_token"]
            signed_in = httpx.post(
                f"{base_url}/api/v1/admin/auth/login",
                json={"email": ADMIN[0], "password": ADMIN[1]},
                timeout=10,
            )
            signed_in.raise_for_status()
            cookies = {**dict(buyer.cookies), **dict(signed_in.cookies)}
        cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        yield Live(base_url, cookie_header, buyer_csrf, signed_in.json()["csrf_token"])


def _schemathesis(live: Live, csrf: str, workdir: Path, *selection: str) -> None:
    """Run schemathesis over the selected operations; fail with its report on any server error.
    (Each regex option is taken once: a second --exclude-path-regex replaces the first.)"""
    args = [
        SCHEMATHESIS,
        "run",
        f"{live.base_url}/openapi.json",
        "--phases=examples,coverage,fuzzing",
        f"--max-examples={EXAMPLES_PER_OPERATION}",
        "--generation-deterministic",
        "--no-shrink",  # a 500 is reported as found
        "--checks=not_a_server_error",
        "--request-timeout=30",
        "--workers=1",
        "--no-color",
        f"--header=Cookie: {live.cookie_header}",
        f"--header=X-CSRF-Token: {csrf}",
        *selection,
    ]
    run = subprocess.run(
        args, cwd=workdir, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    # Both sessions lived through the run: no sign-out slipped in, so every operation was tried
    # signed in.
    with httpx.Client(base_url=live.base_url, headers={"Cookie": live.cookie_header}) as check:
        assert check.get("/api/v1/admin/auth/me").status_code == 200
        assert check.get("/api/v1/storefront/me").status_code == 200


def test_no_admin_api_input_makes_a_server_error(live: Live, tmp_path: Path) -> None:
    _schemathesis(
        live,
        live.admin_csrf,
        tmp_path,
        "--include-path-regex=^/api/v1/admin/",
        f"--exclude-operation-id-regex=({SIGN_OUTS})|({INSTALL})|({INTEGRATION_WRITES})",
    )


def test_no_storefront_api_input_makes_a_server_error(live: Live, tmp_path: Path) -> None:
    _schemathesis(
        live,
        live.buyer_csrf,
        tmp_path,
        "--include-path-regex=^/api/v1/(storefront|auth)/",
        f"--exclude-operation-id-regex={SIGN_OUTS}",
    )


def test_install_and_uninstall_never_make_a_server_error(live: Live, tmp_path: Path) -> None:
    _schemathesis(live, live.admin_csrf, tmp_path, f"--include-operation-id-regex={INSTALL}")
