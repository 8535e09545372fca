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
# The first-party plugins (plugins/<family>/, each its own distribution) are tested too.
PLUGINS=()
for dir in plugins/*/; do
    [ -f "$dir/pyproject.toml" ] && PLUGINS+=(-e "$dir")
done
.venv/bin/python -m pip install --quiet -e '.[test]' "${PLUGINS[@]}"
exec .venv/bin/python -m pytest "$@"
