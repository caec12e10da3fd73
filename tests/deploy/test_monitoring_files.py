"""The Grafana dashboard and the Prometheus alert rules in deploy/ use exactly the metric names
erpgate exports, the dashboard shows every one of them, and docs/deploy.md documents each."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "erpgate-alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "erpgate-dashboard.json"
NAME = re.compile(r"\berpgate_[a-z0-9_]+")


async def _exported(client: httpx.AsyncClient) -> tuple[set[str], set[str]]:
    """(metric families, every series name Prometheus sees: histograms' _bucket/_count/_sum)."""
    text = (await client.get("/metrics")).text
    families: set[str] = set()
    series: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE erpgate_"):
            _, _, name, kind = line.split()
            if name.endswith("_created"):
                continue  # the time a series started, prometheus_client's own
            families.add(name)
            series.add(name)
            if kind == "histogram":
                series |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
            if kind == "counter" and not name.endswith("_total"):
                series.add(f"{name}_total")
    return families, series


async def test_rules_and_dashboard_name_only_exported_metrics(client: httpx.AsyncClient) -> None:
    families, series = await _exported(client)
    rules_text = RULES.read_text()
    dashboard_text = DASHBOARD.read_text()
    assert sorted(set(NAME.findall(rules_text)) - series) == []
    assert sorted(set(NAME.findall(dashboard_text)) - series) == []
    shown = {re.sub(r"_(bucket|count|sum)$", "", name) for name in NAME.findall(dashboard_text)}
    assert sorted(families - shown) == []  # every metric has a panel
    documented = (ROOT / "docs" / "deploy.md").read_text()
    assert sorted(name for name in families if f"`{name}" not in documented) == []


def test_the_rules_and_the_dashboard_are_well_formed() -> None:
    rules = yaml.safe_load(RULES.read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 10
    for rule in alerts:
        assert {"alert", "expr", "labels", "annotations"} <= rule.keys(), rule
        assert rule["annotations"]["summary"]
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "erpgate"
    assert all(panel["targets"] for panel in dashboard["panels"])
