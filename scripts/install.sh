#!/usr/bin/env bash
# Installs what erpgate needs on a fresh Debian machine: system packages (when run as root) and a
# virtualenv with the project and its dev tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# WITH_SYSTEM=0 (the demo) installs only what running erpgate needs; the tests also need a
# browser, a database server and a load generator.
WITH_SYSTEM=${WITH_SYSTEM:-1}
SYSTEM_PACKAGES=(python3-venv)
if [[ "$WITH_SYSTEM" == 1 ]]; then SYSTEM_PACKAGES+=(chromium postgresql wrk); fi

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PYTHON=${PYTHON:-python3}
echo "erpgate: installing its Python packages into .venv (a first run takes a few minutes)…"
if [[ ! -x .venv/bin/python ]]; then
  # /usr/bin/python3 when present: a venv made from it is readable by other users (postgres).
  if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; fi
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "erpgate: Python packages installed"
