from __future__ import annotations

import asyncio

import aiohttp
import pytest
from click.testing import CliRunner

from erpgate.cli import main
from erpgate.mock_erp.config import Fault, parse_fault_spec
from erpgate.mock_erp.faults import MARKUP_NAME
from erpgate.twins import TWIN_NAMES, base_path, build_twin, running_twin, start_twin
from erpgate.twins.sap_b1 import BASE_PATH as SAP_BASE


def test_every_twin_has_a_base_path_and_unknown_names_are_refused() -> None:
    assert [base_path(name) for name in TWIN_NAMES] == [
        "/v2.0/erpgate-twin/production/api/v2.0/companies(8a3f0c1e-0000-4000-8000-000000004935)",
        "/b1s/v2",
        "/api",
        "/json/2",
    ]
    with pytest.raises(ValueError, match="unknown twin"):
        build_twin("netsuite")


def test_twin_fault_kinds_and_their_defaults() -> None:
    assert Fault.build("rate_limit").seconds == 30
    assert Fault.build("huge_page").rows == 20000
    assert parse_fault_spec("login=rate_limit:5") == ("login", Fault.build("rate_limit", seconds=5))


@pytest.mark.parametrize("name", TWIN_NAMES)
async def test_running_twin_serves_its_index_and_control_routes(name: str) -> None:
    async with running_twin(name) as twin, aiohttp.ClientSession() as http:
        assert twin.base_url == twin.origin + base_path(name)
        async with http.get(twin.origin + "/") as response:
            index = await response.json()
        assert index["twin"] == name
        assert index["base_url"] == twin.base_url
        assert index["customers"][0] == "C0004935"
        twin.set_fault("orders", "status", status=503)
        async with http.get(twin.origin + "/_control/faults") as response:
            faults = (await response.json())["faults"]
        assert faults["orders"]["status"] == 503


async def test_markup_text_fills_the_vendors_free_text() -> None:
    # An IP host's cookies are kept only by an "unsafe" jar (aiohttp's default drops them).
    jar = aiohttp.CookieJar(unsafe=True)
    async with running_twin("sap-b1") as twin, aiohttp.ClientSession(cookie_jar=jar) as http:
        login = {"CompanyDB": "SBODEMOUS", "UserName": "manager", "Password": "twin-password"}
        async with http.post(f"{twin.base_url}/Login", json=login) as response:
            assert response.status == 200
        twin.set_fault("order", "markup_text")
        async with http.get(f"{twin.base_url}/Orders(100100)") as response:
            order = await response.json()
        assert order["ShipToCode"] == MARKUP_NAME
        assert order["DocEntry"] == 100100
        assert twin.calls("order") == 1


def test_cli_lists_the_twins_and_refuses_bad_faults() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["twin", "--help"])
    assert result.exit_code == 0
    assert "business-central" in result.output and "odoo" in result.output
    result = runner.invoke(main, ["twin", "odoo", "--fault", "orders=nonsense"])
    assert result.exit_code == 2
    assert "unknown fault" in result.output
    result = runner.invoke(main, ["twin", "netsuite"])
    assert result.exit_code == 2


async def test_start_twin_runs_the_command_until_its_stdin_closes(unused_tcp_port: int) -> None:
    process = start_twin("sap-b1", unused_tcp_port)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{unused_tcp_port}/") as response:
                        index = await response.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("the twin did not start")
        assert index["base_url"] == f"http://127.0.0.1:{unused_tcp_port}{SAP_BASE}"
        assert process.stdin is not None
        process.stdin.close()
        assert await asyncio.to_thread(process.wait, 15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
