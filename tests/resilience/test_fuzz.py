"""schemathesis over the app's own OpenAPI (storefront and admin JSON APIs): no input makes a 5xx.

A live `erpgate serve` (demo data, mock ERP behind it) is driven with a signed-in buyer and a
signed-in store owner at once: both session cookies on every request, and the X-CSRF-Token of
whichever API the operation belongs to. Left out, and why:

- the three sign-out operations: they would end the sessions the rest of the run needs;
- PUT /api/v1/admin/integration: it resolves the ERP hostnames it is given, and fuzzed hostnames
  would send DNS queries off this machine (tests stay on loopback).

Install/uninstall run last (the second test), on their own, so switching the integration off does not hide the
storefront operations behind 404s.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from tests.resilience.processes import (
    base_env,
    prepare_database,
    signed_in_buyer,
    start_app,
    start_mock_erp,
    stopping,
)

ADMIN = ("admin@example.com", "demo-admin")
EXAMPLES_PER_OPERATION = 25
SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same inputs every run: a failure here is reproducible
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a 500 is reported as found
    suppress_health_check=list(HealthCheck),
    database=None,  # nothing written to .hypothesis/ in the tree
)
SIGN_OUTS = [
    "/api/v1/auth/logout",
    "/api/v1/admin/auth/logout",
    "/api/v1/admin/auth/logout-everywhere",
]
INSTALL = ["/api/v1/admin/integration/install", "/api/v1/admin/integration/uninstall"]


@dataclass(frozen=True)
class Live:
    base_url: str
    cookies: dict[str, str]
    buyer_csrf: str
    admin_csrf: str

    def headers_for(self, path: str) -> dict[str, str]:
        admin = path.startswith("/api/v1/admin")
        return {"X-CSRF-Token": self.admin_csrf if admin else self.buyer_csrf}


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
        yield Live(base_url, cookies, buyer_csrf, signed_in.json()["csrf_token"])


@pytest.fixture(scope="module")
def api_schema(live: Live) -> Any:
    return schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")


def _fuzz(schema: Any, live: Live) -> list[str]:
    """Every operation of ``schema`` with its bounded examples; returns what failed, readable."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @SETTINGS
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(
                headers=live.headers_for(case.path),
                cookies=live.cookies,
                checks=[not_a_server_error],
                timeout=30,
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # a failed check is raised
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    return failures


def test_no_input_makes_a_server_error(api_schema: Any, live: Live) -> None:
    operations = (
        api_schema.exclude(path=SIGN_OUTS)
        .exclude(method="PUT", path="/api/v1/admin/integration")
        .exclude(path=INSTALL)
    )
    assert _fuzz(operations, live) == []


def test_install_and_uninstall_never_make_a_server_error(api_schema: Any, live: Live) -> None:
    assert _fuzz(api_schema.include(path=INSTALL), live) == []
