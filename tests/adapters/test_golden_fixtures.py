"""Golden fixtures: recorded answers of each ERP (from its twin) map to exactly the contract JSON
kept next to them, offline, through `erpgate check-erp --profile NAME --fixtures FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from erpgate.conformance.commands import check_erp
from erpgate.erp.adapters.profile import SHIPPED

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", SHIPPED)
def test_recorded_answers_map_to_the_kept_contract_json(name: str) -> None:
    result = CliRunner().invoke(
        check_erp,
        [
            "--profile",
            name,
            "--customer-code",
            "C0004935",
            "--fixtures",
            str(FIXTURES / f"{name}.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "5 passed, 0 failed" in result.output


def test_a_changed_mapping_fails_its_golden_fixture(tmp_path: Path) -> None:
    profile = (
        Path(__file__).parents[2] / "src/erpgate/erp/adapters/profiles/sap-b1.toml"
    ).read_text()
    changed = profile.replace('"po_number": NumAtCard,', '"po_number": null,', 1)
    assert changed != profile
    path = tmp_path / "sap-b1-changed.toml"
    path.write_text(changed)
    result = CliRunner().invoke(
        check_erp,
        [
            "--profile",
            str(path),
            "--customer-code",
            "C0004935",
            "--fixtures",
            str(FIXTURES / "sap-b1.json"),
        ],
    )
    assert result.exit_code == 1
    assert "FAIL sap-b1 orders page 1: mapped to other contract JSON than expected" in result.output


def test_a_fixture_file_that_is_not_one_is_a_settings_error(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"fixtures": []}))
    result = CliRunner().invoke(
        check_erp, ["--profile", "odoo", "--customer-code", "C1", "--fixtures", str(path)]
    )
    assert result.exit_code == 2
    assert '"format": "erpgate-fixtures/1"' in result.output
