#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, static checks, then every test on SQLite and again
# on a throw-away PostgreSQL. SKIP_POSTGRES=1 runs the SQLite half alone.
#
# The machine's two cores are used side by side where that cannot change a result: the tests that
# hold answers to real deadlines (marked `deadlines`: the fault matrices and crash tests of
# tests/resilience) and the browser tests run one suite at a time; everything else runs on both
# databases at once, in two pytest processes with their own temporary directories, ports (each
# server binds a free one) and databases.
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

# on DATABASE PYTEST-ARGS...: one pytest run on "SQLite" or on the "PostgreSQL" that
# scripts/with-postgres.sh exported; SQLite is the tests' default when no URL is set.
on() {
  local database=$1
  shift
  if [[ $database == SQLite ]]; then
    env -u ERPGATE_TEST_DATABASE_URL "$PY/pytest" "$@"
  else
    "$PY/pytest" "$@"
  fi
}

# Browser tests use sync Playwright, which must not share a process with asyncio tests.
UNHURRIED=(-q -m "not browser and not deadlines" -p no:playwright)
DEADLINES=(-q -m "deadlines and not browser" -p no:playwright)
BROWSER=(-q -m browser)

# browser DATABASE: the browser tests; pytest's 5 means none was collected, which is no failure.
browser() { on "$1" "${BROWSER[@]}" || [ $? -eq 5 ]; }

sqlite_only() {
  echo "== tests on SQLite"
  on SQLite "${UNHURRIED[@]}"
  on SQLite "${DEADLINES[@]}"
  browser SQLite
}

both() {
  local work
  work=$(mktemp -d)
  echo "== tests on SQLite and PostgreSQL side by side (PostgreSQL's output follows SQLite's)"
  on PostgreSQL "${UNHURRIED[@]}" --basetemp="$work/postgresql" >"$work/postgresql.log" 2>&1 &
  local postgresql=$!
  local sqlite_status=0 postgresql_status=0
  on SQLite "${UNHURRIED[@]}" --basetemp="$work/sqlite" || sqlite_status=$?
  wait "$postgresql" || postgresql_status=$?
  echo "== tests on PostgreSQL (side by side with SQLite's above)"
  cat "$work/postgresql.log"
  rm -rf "$work"
  if ((sqlite_status || postgresql_status)); then
    echo "failed: SQLite exit $sqlite_status, PostgreSQL exit $postgresql_status"
    return 1
  fi
  for database in SQLite PostgreSQL; do
    echo "== tests with real deadlines on $database"
    on "$database" "${DEADLINES[@]}"
  done
  for database in SQLite PostgreSQL; do
    echo "== browser tests on $database"
    browser "$database"
  done
}

if [[ "${SKIP_POSTGRES:-0}" == 1 ]]; then
  sqlite_only
else
  # The inner shell needs its own `set -e`: without it a failing step would be hidden by the
  # steps that follow it.
  scripts/with-postgres.sh bash -c "set -euo pipefail; PY=$PY; $(declare -p UNHURRIED DEADLINES BROWSER); $(declare -f on browser both); both"
fi
