"""The deployment examples and the settings tables agree with the code: every setting documented,
the README's defaults true, compose within PostgreSQL's default connection limit, nginx pointing
at what compose and the systemd units serve."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import yaml

from erpgate.config import Settings
from erpgate.db.engine import create_engine

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# Read by single commands or by the tests, not settings.
COMMAND_VARIABLES = {"ERPGATE_ADMIN_PASSWORD", "ERPGATE_CHECK_TOKEN"}
POSTGRES_MAX_CONNECTIONS = 100  # PostgreSQL's default
POSTGRES_RESERVED = 3 + 10  # superuser_reserved_connections, and psql or a migration beside


def _variable(name: str) -> str:
    return f"ERPGATE_{name.upper()}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def test_every_setting_is_documented_and_every_variable_named_is_a_setting() -> None:
    settings = {_variable(name) for name in Settings.model_fields}
    deploy_doc = (ROOT / "docs" / "deploy.md").read_text()
    assert sorted(v for v in settings if v not in deploy_doc) == []
    named = set()
    deploy_files = [path for path in DEPLOY.rglob("*") if path.is_file()]
    for path in (ROOT / "README.md", ROOT / "docs" / "deploy.md", *deploy_files):
        found = re.findall(r"ERPGATE_[A-Z0-9_]+\*?", path.read_text())
        named |= {name for name in found if not name.endswith("*")}  # ERPGATE_SES_* is a family
    assert sorted(named - settings - COMMAND_VARIABLES) == []


def test_the_readme_configuration_table_shows_the_real_defaults() -> None:
    rows = re.findall(
        r"^\| `(ERPGATE_\w+)` \| `([^`]*)` \|", (ROOT / "README.md").read_text(), re.M
    )
    assert len(rows) >= 6
    defaults = Settings.model_construct()
    for variable, shown in rows:
        name = variable.removeprefix("ERPGATE_").lower()
        assert _shown(getattr(defaults, name)) == shown, variable


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_compose_stays_within_postgresqls_default_connection_limit() -> None:
    services = _compose()["services"]
    small = inspect.signature(create_engine).parameters
    worker_pool = small["pool_size"].default + small["max_overflow"].default
    defaults = Settings.model_construct()
    budget = 0
    for service in services.values():
        command = service.get("command") or []
        environment = service.get("environment") or {}
        if command[:2] == ["erpgate", "serve"]:
            processes = int(command[command.index("--workers") + 1])
            pool = int(environment.get("ERPGATE_DB_POOL_SIZE", defaults.db_pool_size))
            overflow = int(environment.get("ERPGATE_DB_MAX_OVERFLOW", defaults.db_max_overflow))
            budget += processes * (pool + overflow)
        elif command[:2] == ["erpgate", "worker"]:
            budget += worker_pool
    assert 0 < budget <= POSTGRES_MAX_CONNECTIONS - POSTGRES_RESERVED


def _upstreams(conf: str) -> list[str]:
    return re.findall(r"^\s*server (\S+) max_fails", (DEPLOY / conf).read_text(), re.M)


def test_compose_nginx_balances_over_the_web_services_and_is_their_only_trusted_proxy() -> None:
    services = _compose()["services"]
    web = {
        f"{name}:{s['command'][s['command'].index('--port') + 1]}": s
        for name, s in services.items()
        if s.get("command", [])[:2] == ["erpgate", "serve"]
    }
    assert sorted(_upstreams("nginx.conf")) == sorted(web)
    balancer = services["lb"]["networks"]["default"]["ipv4_address"]
    assert all(s["environment"]["ERPGATE_FORWARDED_ALLOW_IPS"] == balancer for s in web.values())


def test_host_nginx_balances_over_the_ports_the_docs_enable_the_units_on() -> None:
    deploy_doc = (ROOT / "docs" / "deploy.md").read_text()
    enabled = [line for line in deploy_doc.splitlines() if "enable --now erpgate-web@" in line]
    ports = sorted({port for line in enabled for port in re.findall(r"erpgate-web@(\d+)", line)})
    assert _upstreams("nginx-host.conf") == [f"127.0.0.1:{port}" for port in ports]
    unit = (DEPLOY / "erpgate-web@.service").read_text()
    assert "serve --host 127.0.0.1 --port %i" in unit


def test_units_create_what_they_write_to_and_use_one_venv() -> None:
    for name in ("erpgate-web@.service", "erpgate-worker@.service", "erpgate-migrate.service"):
        unit = (DEPLOY / name).read_text()
        assert "StateDirectory=erpgate\n" in unit, name
        assert "WorkingDirectory=/var/lib/erpgate\n" in unit, name
        assert "ReadWritePaths" not in unit, name
        assert "ExecStart=/opt/erpgate/venv/bin/erpgate " in unit, name


def test_examples_call_python3() -> None:
    for path in (path for path in DEPLOY.rglob("*") if path.is_file()):
        assert not re.search(r"\bpython\b(?!3)", path.read_text()), path.name
