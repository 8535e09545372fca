#!/usr/bin/env bash
# Install Podium with its test extras in ./.venv and run the whole test suite.
# Service tests (Redis, PostgreSQL, S3) skip when a service is missing, except under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
exec .venv/bin/python -m pytest "$@"
