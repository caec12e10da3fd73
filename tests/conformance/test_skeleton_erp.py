"""The starter kit in docs/examples: the skeleton ERP passes `erpgate check-erp` run with the
config template as shipped (only the port changed: the test serves it on a free one)."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from erpgate.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TEMPLATE_BASE = "http://127.0.0.1:8200"


def _skeleton() -> ModuleType:
    spec = importlib.util.spec_from_file_location("skeleton_erp", EXAMPLES / "skeleton_erp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def skeleton_base() -> Iterator[str]:
    skeleton = _skeleton()
    server = skeleton.ThreadingHTTPServer(("127.0.0.1", 0), skeleton.Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_skeleton_erp_passes_every_rule_with_the_config_template(
    skeleton_base: str, tmp_path: Path
) -> None:
    template = (EXAMPLES / "erp-check.toml").read_text(encoding="utf-8")
    assert template.count(TEMPLATE_BASE) == 10  # one URL per endpoint, nothing else to change
    config = tmp_path / "erp-check.toml"
    config.write_text(template.replace(TEMPLATE_BASE, skeleton_base), encoding="utf-8")

    result = CliRunner().invoke(
        main,
        ["check-erp", "--config", str(config), "--format", "json"],
        env={"ERPGATE_CHECK_TOKEN": "change-me"},
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # Nothing skipped either: the sample data has pages to walk and another customer.
    assert report["summary"] == "All rules passed: 82 passed, 0 failed, 0 skipped"


def test_check_erp_help_leads_with_the_config_template() -> None:
    result = CliRunner().invoke(main, ["check-erp", "--help"])

    assert result.exit_code == 0
    first_lines = result.output.split("Options:")[0]
    assert "erpgate check-erp --config erp-check.toml" in first_lines
    assert "docs/examples/erp-check.toml" in first_lines
    assert "docs/examples/skeleton_erp.py" in first_lines
