#!/usr/bin/env bash
# Lint and type-check: ruff (pyflakes, import order, bugbear) and mypy (strict on common/ and
# executor/engine/); both configured in pyproject.toml.
# Installs Podium with its test extras in ./.venv first, as scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy                 # files and strictness: [tool.mypy] in pyproject.toml
