#!/usr/bin/env bash
# Install Podium with its test extras and the first-party plugins in ./.venv, and run the
# whole test suite. Service tests (Redis, PostgreSQL, S3) skip when a service is missing,
# except under CI=true.
#
# With no test path among the arguments, the suite runs as two pytest processes at once
# (the machine's two cores): the in-process part (unit, api, plugins, security, deploy) and
# the part that drives real services (integration, contract, faults, realworld,
# conformance). They share nothing: every service test makes its own database and Redis key
# prefix. Options (-q, -x, -k...) go to both. PODIUM_TEST_SPLIT=0 runs one process.
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

IN_PROCESS=(tests/unit tests/api tests/plugins tests/security tests/deploy tests/ui)
SERVICES=(tests/integration tests/contract tests/faults tests/realworld tests/conformance)

has_path=0
for arg in "$@"; do  # a test path (tests/x, tests/x.py::name), not an option's value
    case "$arg" in -*) ;; *) [ -e "${arg%%::*}" ] && has_path=1 ;; esac
done
if [ "$has_path" = 1 ] || [ "${PODIUM_TEST_SPLIT:-1}" = 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi

log=$(mktemp -t podium-services-tests.XXXXXX)
start=$(date +%s)
.venv/bin/python -m pytest "$@" "${SERVICES[@]}" >"$log" 2>&1 &
services_pid=$!
# Stop the background half too when this script is interrupted.
trap 'kill "$services_pid" 2>/dev/null || true' INT TERM
set +e
.venv/bin/python -m pytest "$@" "${IN_PROCESS[@]}"
in_process_status=$?
echo "== in-process tests done after $(( $(date +%s) - start )) s (status $in_process_status);" \
     "service tests: ==" 
wait "$services_pid"
services_status=$?
set -e
cat "$log"
rm -f "$log"
# 5: nothing collected in that half (a -k or -m that selects tests of the other one only).
[ "$in_process_status" = 5 ] && [ "$services_status" != 5 ] && in_process_status=0
[ "$services_status" = 5 ] && [ "$in_process_status" != 5 ] && services_status=0
echo "== all done after $(( $(date +%s) - start )) s:" \
     "in-process status $in_process_status, services status $services_status =="
[ "$in_process_status" = 0 ] && [ "$services_status" = 0 ]
