"""A dead worker detected by its missing heartbeat, with the default visibility timeout.

`worker.heartbeat_timeout_seconds` is documented (common/settings.py) as: "A worker silent
for this long is considered dead and its running attempts are resubmitted." With the
broker's default visibility timeout (12 h), that is the only thing that can bring back the
attempt of a SIGKILLed worker in reasonable time.
"""

from __future__ import annotations

import os
import signal

import pytest

from common.models.state import State
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime, wait_for

pytestmark = pytest.mark.service

FLOW = """
id: heartbeat
namespace: it.heartbeat
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
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(
        deployment, "heartbeat:", executors=1, workers=1, worker_concurrency=2,
        PODIUM_WORKER__HEARTBEAT_SECONDS="0.5", PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS="3")
    yield runtime
    stop_runtime(deployment, runtime)


@pytest.mark.xfail(strict=True, reason=(
    "BUG: worker.heartbeat_seconds / heartbeat_timeout_seconds are declared in "
    "common/settings.py (WorkerSettings) but nothing reads them: no worker heartbeat, no "
    "dead-worker detection, no resubmission. With the default 12 h visibility timeout the "
    "attempt of a SIGKILLed worker stays RUNNING for 12 h"))
def test_attempt_of_a_silent_worker_is_resubmitted_after_heartbeat_timeout(runtime, tmp_path):
    deploy(runtime, FLOW)
    (worker,) = [process for role, process, _ in runtime.fleet.processes if role == "worker"]
    execution = runtime.submit("it.heartbeat", "heartbeat", {"dir": str(tmp_path)})
    wait_for(lambda: (tmp_path / "started").exists(), 20, "the task to start")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    runtime.fleet.add("worker", 2)
    runtime.fleet.wait_ready(30)
    # heartbeat timeout (3 s) + the task (2 s) + slack.
    execution = finish(runtime, execution.id, timeout=12)
    assert execution.state is State.SUCCESS
