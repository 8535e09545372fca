"""A worker process SIGKILLed mid-task: its message is restored and run by another worker.

This module's fleet uses a short broker visibility timeout (5 s) and restore interval
(0.5 s), so an unacknowledged message of a dead worker comes back within seconds. Tasks
here must stay shorter than that timeout, or a healthy worker's task would be redelivered.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime, wait_for
from tests.unit.worker.test_scripts import alive

pytestmark = pytest.mark.service

VISIBILITY_TIMEOUT = 5

FLOW = """
id: crash
namespace: it.crash
inputs:
  - id: dir
    type: STRING
tasks:
  - id: slow
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      DIR: "{{ inputs.dir }}"
    commands:
      - echo $$ >> "$DIR/started"
      - sleep 2
      - echo done >> "$DIR/finished"
      - 'echo "::{\\"outputs\\": {\\"runs\\": $(wc -l < "$DIR/started")}}::"'
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "after {{ outputs.slow.vars.runs }}"
outputs:
  - id: result
    type: STRING
    value: "{{ outputs.after.value }}"
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(
        deployment, "crash:", executors=1, workers=1, worker_concurrency=2,
        PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_TIMEOUT),
        PODIUM_BROKER__RESTORE_INTERVAL_SECONDS="0.5")
    yield runtime
    stop_runtime(deployment, runtime)


def test_attempt_of_a_killed_worker_is_redelivered_and_completes(runtime, tmp_path):
    deploy(runtime, FLOW)
    (worker,) = [process for role, process, _ in runtime.fleet.processes if role == "worker"]
    execution = runtime.submit("it.crash", "crash", {"dir": str(tmp_path)})
    started = tmp_path / "started"
    wait_for(lambda: started.exists(), 20, "the task to start on the first worker")

    killed_at = time.monotonic()
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    assert worker.returncode == -signal.SIGKILL
    runtime.fleet.add("worker", 2)
    runtime.fleet.wait_ready(30)

    execution = finish(runtime, execution.id, timeout=40)
    elapsed = time.monotonic() - killed_at
    assert execution.state is State.SUCCESS, execution.error
    # The script started twice: on the dead worker, and after redelivery.
    runs = started.read_text().split()
    assert len(runs) == 2, runs
    # The dead worker's script died with it (its launcher killed the tree): only the
    # redelivered run, which started after the first would have ended, finished.
    assert not alive(int(runs[0]))
    assert (tmp_path / "finished").read_text().split() == ["done"]
    assert execution.outputs == {"result": "after 2"}
    slow = next(run for run in runtime.task_runs(execution.id) if run.task_id == "slow")
    # Redelivery of the same attempt, not a new attempt.
    assert [(a.number, a.state) for a in slow.attempts] == [(1, State.SUCCESS)]
    print(f"redelivered and finished {elapsed:.1f}s after the SIGKILL")
