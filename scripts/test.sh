#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, static checks, tests on SQLite, tests on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
PY=.venv/bin
export PYTHONDONTWRITEBYTECODE=1

echo "== static checks"
$PY/ruff check src tests bench docs/examples
$PY/ruff format --check src tests bench docs/examples
$PY/mypy
$PY/lint-imports

run_suite() {
  local label=$1
  echo "== tests on $label"
  # Browser tests use sync Playwright, which must not share a process with asyncio tests.
  $PY/pytest -q -m "not browser" -p no:playwright
  $PY/pytest -q -m browser || [ $? -eq 5 ]  # 5: no browser test collected
}

run_suite SQLite
if [[ "${SKIP_POSTGRES:-0}" != 1 ]]; then
  # The inner shell needs its own `set -e`: without it a failing test run on PostgreSQL would
  # be hidden by the browser run that follows it.
  scripts/with-postgres.sh bash -c "set -euo pipefail; $(declare -f run_suite); PY=$PY; run_suite PostgreSQL"
fi
