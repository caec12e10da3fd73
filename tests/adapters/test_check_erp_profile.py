"""`check-erp --profile`: the conformance rules through each shipped adapter profile, against its
twin; a twin's fault fails the rule that watches for it."""

from __future__ import annotations

from typing import Any

import pytest

from erpgate.conformance.config import ConfigProblem, build_config
from erpgate.conformance.direct import run_direct
from erpgate.conformance.results import ConformanceReport
from erpgate.twins import running_twin
from erpgate.twins.registry import TwinHandle, adapter_addresses, adapter_credentials
from tests.adapters.twin_reads import ACME, GIBSONBURG

TWINS = ["business-central", "sap-b1", "erpnext", "odoo"]


async def check(name: str, twin: TwinHandle, **settings: Any) -> ConformanceReport:
    base_url, token_url = adapter_addresses(name, twin.origin)
    key, token = adapter_credentials(name)
    values = {
        "profile": name,
        "base_url": base_url,
        "token_url": token_url,
        "key": key,
        "token": token,
        "customer_code": ACME,
        "other_customer_code": GIBSONBURG,
        "allow_private": True,
        **settings,
    }
    return await run_direct(build_config({k: v for k, v in values.items() if v is not None}))


@pytest.mark.parametrize("name", TWINS)
async def test_every_rule_passes_through_the_profile(name: str) -> None:
    async with running_twin(name) as twin:
        report = await check(name, twin)
    assert report.failures == [], [(f.rule, f.endpoint, f.message) for f in report.failures]
    endpoints = {result.endpoint for result in report.results if result.status == "pass"}
    assert endpoints == {"orders", "order", "invoices", "invoice", "balance"}
    rules = {(result.rule, result.endpoint) for result in report.results}
    assert ("paging.stable", "orders") in rules
    assert ("by_id.other_customer", "order") in rules


@pytest.mark.parametrize("name", ["business-central", "sap-b1"])
async def test_a_twins_contract_break_fails_the_shape_rule(name: str) -> None:
    async with running_twin(name) as twin:
        twin.set_fault("invoices", "contract_break")
        report = await check(name, twin)
    failed = {(result.rule, result.endpoint) for result in report.failures}
    assert ("shape.invoices", "invoices") in failed
    assert all(endpoint == "invoices" for _rule, endpoint in failed), failed


async def test_a_twin_leaking_other_customers_rows_fails_the_customer_rule() -> None:
    async with running_twin("erpnext") as twin:
        twin.set_fault("orders", "cross_customer")
        report = await check("erpnext", twin)
    failed = {(result.rule, result.endpoint) for result in report.failures}
    assert ("shape.orders", "orders") in failed, failed


def test_a_profile_that_is_not_shipped_nor_a_file_is_a_settings_problem() -> None:
    with pytest.raises(ConfigProblem, match="neither a shipped profile"):
        build_config({"profile": "quickbooks", "customer_code": ACME, "token": "x"})


def test_fixtures_without_a_profile_are_a_settings_problem() -> None:
    with pytest.raises(ConfigProblem, match="--fixtures needs --profile"):
        build_config({"fixtures": "f.json", "customer_code": ACME, "base_url": "https://e.x"})
