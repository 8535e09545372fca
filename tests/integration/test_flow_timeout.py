"""The flow-level `timeout` on real processes: the execution FAILS on time and the running
script is killed on its worker (an executor timer, polled every
PODIUM_EXECUTOR__TIMER_POLL_SECONDS)."""

from __future__ import annotations

import time

import pytest

from podium.common.models.state import State
from tests.integration.conftest import (
    deploy,
    finish,
    process_running,
    start_runtime,
    stop_runtime,
    wait_for,
)
from tests.integration.scrape import results_handled, wait_result_handled

pytestmark = pytest.mark.service

FLOW = """
id: timeout
namespace: it.timeout
timeout: PT2S
inputs:
  - id: pidfile
    type: STRING
tasks:
  - id: sleepy
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      PIDFILE: "{{ inputs.pidfile }}"
    commands:
      - echo $$ > "$PIDFILE"
      - exec sleep 30
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: unreachable
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "timeout:", executors=1, workers=1,
                               PODIUM_EXECUTOR__TIMER_POLL_SECONDS="0.5")
    yield runtime
    stop_runtime(deployment, runtime)



def test_flow_timeout_fails_the_execution_and_kills_the_script(runtime, tmp_path):
    deploy(runtime, FLOW)
    pidfile = tmp_path / "pid"
    started = time.monotonic()
    handled = results_handled(runtime.fleet)  # before its only attempt can end
    execution = runtime.submit("it.timeout", "timeout", {"pidfile": str(pidfile)})
    pid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), 20,
                       "the script to start"))

    execution = finish(runtime, execution.id, timeout=15)
    elapsed = time.monotonic() - started
    assert execution.state is State.FAILED
    assert execution.error == "execution timed out after PT2S"
    assert elapsed < 6, elapsed
    wait_for(lambda: not process_running(pid, b"sleep 30"), 10, f"`sleep 30` (pid {pid}) to be gone")

    runs = runtime.task_runs(execution.id)
    assert [(r.task_id, r.state) for r in runs] == [("sleepy", State.FAILED)]
    # The worker reports the killed attempt afterwards; the executor must not revive it.
    wait_result_handled(runtime.fleet, handled)
    assert runtime.get(execution.id).state is State.FAILED
