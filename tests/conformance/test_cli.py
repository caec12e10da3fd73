"""`erpgate check-erp` through click's CliRunner against a mock ERP on loopback."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner, Result

from erpgate.cli import main
from erpgate.mock_erp import faults
from erpgate.mock_erp.server import MockErpHandle
from tests.conformance.helpers import CUSTOMER
from tests.plugins.mock_erp import MockErpFactory

SECRET = "tok-Zq81-very-secret"
HTTPS = ["--base-url", "https://erp.example.com"]


async def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    # The CLI runs its own event loop; a thread keeps the mock ERP serving on the test's loop.
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, main, ["check-erp", *args], env=env, catch_exceptions=False
    )


def base_args(handle: MockErpHandle) -> list[str]:
    return ["--base-url", handle.base_url, "--customer-code", CUSTOMER, "--allow-private"]


async def test_all_green_exits_0_and_never_prints_the_token(
    mock_erp_factory: MockErpFactory,
) -> None:
    handle = await mock_erp_factory(token=SECRET)

    result = await invoke(base_args(handle), env={"ERPGATE_CHECK_TOKEN": SECRET})

    assert result.exit_code == 0, result.output
    assert "All rules passed: 78 passed, 0 failed, 4 skipped" in result.stdout
    assert "shape.orders" in result.stdout
    assert SECRET not in result.output


async def test_a_failing_rule_exits_1(mock_erp_factory: MockErpFactory) -> None:
    handle = await mock_erp_factory(token=SECRET)
    handle.set_fault("balance", "status", status=500)

    result = await invoke([*base_args(handle), "--token", SECRET])

    assert result.exit_code == 1
    assert "1 rule(s) failed" in result.stdout
    assert "ERP answered 500 Internal Server Error" in result.stdout
    # Under the failure, what the ERP answered.
    [answer] = [line for line in result.stdout.splitlines() if "ERP answer:" in line]
    assert answer.startswith("  ERP answer: HTTP 500, request req_")
    assert answer.endswith(': {"error":"injected","message":"Injected status 500"}')
    assert SECRET not in result.output


async def test_json_format_parses(mock_erp: MockErpHandle) -> None:
    mock_erp.set_fault("taxes", "malformed_json")

    result = await invoke([*base_args(mock_erp), "--token", "mock-token", "--format", "json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert report["customer_code"] == CUSTOMER
    failures = [
        (r["rule"], r["endpoint"], r["message"]) for r in report["results"] if r["status"] == "fail"
    ]
    assert failures == [("shape.taxes", "taxes", "Answer was not JSON")]
    shape = next(r for r in report["results"] if r["rule"] == "shape.taxes")
    assert shape["requests"][0]["status"] == 200
    assert shape["requests"][0]["request_id"].startswith("req_")
    # The answer itself, so the ERP developer sees what was wrong with it.
    assert shape["answer"] == {
        "request_id": shape["requests"][0]["request_id"],
        "status": 200,
        "body": '{"data": [{"order_id": "SO-100231", "total": "1523.40", ',
        "size": 56,
        "error": None,
    }
    assert next(r for r in report["results"] if r["rule"] == "shape.orders")["answer"] is None


async def test_junit_format_is_valid_xml_with_the_failures(
    mock_erp: MockErpHandle, tmp_path: Path
) -> None:
    mock_erp.set_fault("orders", "status", status=500)
    out = tmp_path / "report.xml"

    result = await invoke(
        [*base_args(mock_erp), "--token", "mock-token", "--format", "junit", "--output", str(out)]
    )

    assert result.exit_code == 1
    # Our own output, parsed to prove it is well-formed XML.
    suite = ET.fromstring(out.read_text(encoding="utf-8")).find("testsuite")  # noqa: S314
    assert suite is not None
    assert suite.get("failures") == "1"
    failing = [
        (case.get("classname"), case.get("name"), case.find("failure").get("message"))  # type: ignore[union-attr]
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    ]
    assert failing == [("erp.orders", "shape.orders", "ERP answered 500 Internal Server Error")]
    failure = next(
        case.find("failure") for case in suite.iter("testcase") if case.find("failure") is not None
    )
    assert failure is not None and failure.text is not None
    assert failure.text.splitlines()[1].startswith("ERP answer: HTTP 500, request req_")
    assert failure.text.splitlines()[1].endswith(
        ': {"error":"injected","message":"Injected status 500"}'
    )
    assert int(suite.get("tests") or 0) == len(list(suite.iter("testcase")))
    # With --output the coloured summary still goes to the terminal.
    assert "1 rule(s) failed" in result.stdout


async def test_a_config_file_with_flags_on_top(mock_erp: MockErpHandle, tmp_path: Path) -> None:
    config = tmp_path / "erp.toml"
    config.write_text(
        f'base_url = "{mock_erp.base_url}"\n'
        'customer_code = "C0000000"\n'
        "allow_private = true\n"
        "[budgets_ms]\nbalance = 4000\n",
        encoding="utf-8",
    )

    result = await invoke(
        ["--config", str(config), "--customer-code", CUSTOMER, "--format", "json"],
        env={"ERPGATE_CHECK_TOKEN": "mock-token\n"},
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["customer_code"] == CUSTOMER
    latency = next(
        r for r in report["results"] if (r["rule"], r["endpoint"]) == ("latency.budget", "balance")
    )
    assert latency["message"].endswith("(budget 4000 ms)")


async def test_bad_settings_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    cases = [
        (
            ["--base-url", "http://exa mple.com", "--customer-code", "C1", "--token", "t"],
            "--orders-url: The address contains spaces or control characters",
        ),
        (
            ["--base-url", "https://erp.example.com", "--customer-code", "C1"],
            "Bearer auth needs a Token (use --token or the ERPGATE_CHECK_TOKEN variable)",
        ),
        (
            ["--base-url", "http://127.0.0.1:8100", "--customer-code", "C1", "--token", "t"],
            "Refused to call 127.0.0.1: loopback address (for a local ERP, pass --allow-private)",
        ),
        (
            [
                "--orders-url",
                "https://erp.example.com:99999/o",
                "--customer-code",
                "C1",
                "--token",
                "t",
            ],
            "Port",
        ),
        (["--base-url", "https://erp.example.com", "--token", "t"], "Give --customer-code"),
        (["--customer-code", "C1", "--token", "t"], "Give --base-url or at least one endpoint URL"),
        (
            [*HTTPS, "--customer-code", "C1", "--token", "t", "--page-size", "500"],
            "page_size must be at most 100, the contract's largest",
        ),
        (
            [*HTTPS, "--customer-code", "C1", "--other-customer-code", "C1", "--token", "t"],
            "--other-customer-code must name another customer than --customer-code",
        ),
    ]
    for args, message in cases:
        result = await invoke(args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    broken = tmp_path / "broken.json"
    broken.write_text('{"base_url": ', encoding="utf-8")
    result = await invoke(["--config", str(broken)])
    assert result.exit_code == 2
    assert f"Config file {broken} is not valid JSON" in result.stderr
    typo = tmp_path / "typo.toml"
    typo.write_text('custmer_code = "C1"\n', encoding="utf-8")
    result = await invoke(["--config", str(typo)])
    assert result.exit_code == 2
    assert "unknown setting(s) custmer_code" in result.stderr


async def test_a_token_in_a_bad_settings_message_is_not_echoed() -> None:
    result = await invoke(
        ["--base-url", "http://127.0.0.1:1", "--customer-code", "C1", "--token", SECRET]
    )

    assert result.exit_code == 2
    assert SECRET not in result.output


async def test_an_answer_echoing_the_token_is_shown_masked(
    mock_erp_factory: MockErpFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = await mock_erp_factory(token=SECRET)
    handle.set_fault("balance", "status", status=500)
    original = faults.error_response

    def echoing(status: int, error: str, message: str, headers: Any = None) -> web.Response:
        # An ERP that puts what it was sent into its error: our token among it.
        return original(status, error, f"{message}; got Bearer {SECRET}", headers)

    monkeypatch.setattr(faults, "error_response", echoing)

    result = await invoke(
        [*base_args(handle), "--format", "json"], env={"ERPGATE_CHECK_TOKEN": SECRET}
    )

    assert result.exit_code == 1
    assert SECRET not in result.output
    report = json.loads(result.stdout)
    shape = next(r for r in report["results"] if r["rule"] == "shape.balance")
    assert shape["answer"]["body"] == (
        '{"error":"injected","message":"Injected status 500; got Bearer ••••"}'
    )
