"""A SIGKILLed worker is found dead within seconds with the default settings.

No liveness setting is changed here: what a deployment gets. The worker beats every
`worker.heartbeat_seconds` (2 s), an executor declares it dead after
`worker.heartbeat_timeout_seconds` (10 s) of silence, checked every tenth of that, and
resubmits the attempt it was running as attempt 2 on another worker.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from podium.common.models.state import State
from podium.common.settings import WorkerSettings
from tests.integration.conftest import (
    deploy,
    finish,
    own_database,
    start_runtime,
    stop_runtime,
    wait_for,
)

# The same flow: a shell task writing its pid to `started`, then sleeping 2 s.
from tests.integration.test_worker_heartbeat import FLOW, running_attempts

pytestmark = pytest.mark.service

@pytest.fixture(scope="module")
def runtime(deployment):
    # A database of its own: no other module's dead rows to claim.
    with own_database() as url:
        runtime, _ = start_runtime(deployment, "death:", executors=1, workers=1,
                                   worker_concurrency=2, PODIUM_DATABASE__URL=url)
        yield runtime
        stop_runtime(deployment, runtime)


def test_defaults_detect_a_killed_worker_well_under_fifteen_seconds():
    defaults = WorkerSettings()
    assert defaults.heartbeat_timeout_seconds <= 10


def test_attempt_of_a_sigkilled_worker_is_resubmitted_within_fifteen_seconds(runtime, tmp_path):
    deploy(runtime, FLOW)
    (worker,) = runtime.fleet.running("worker")
    execution = runtime.submit("it.heartbeat", "heartbeat", {"dir": str(tmp_path)})
    wait_for(lambda: (tmp_path / "started").exists(), 20, "the task to start")
    wait_for(lambda: any(item["execution_id"] == execution.id
                         for item in running_attempts(runtime)), 5,
             "the heartbeat to list the attempt")
    killed_at = time.monotonic()
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    runtime.fleet.add("worker", 2)
    runtime.fleet.wait_ready(30)

    def second_attempt():
        (run,) = runtime.task_runs(execution.id)
        return len(run.attempts) >= 2

    wait_for(second_attempt, 15 - (time.monotonic() - killed_at),
             "attempt 2 (the dead worker's attempt resubmitted)", poll=0.1)
    print(f"resubmitted {time.monotonic() - killed_at:.1f} s after the SIGKILL")
    execution = finish(runtime, execution.id, timeout=30)
    assert execution.state is State.SUCCESS
    (run,) = runtime.task_runs(execution.id)
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.KILLED), (2, State.SUCCESS)]
