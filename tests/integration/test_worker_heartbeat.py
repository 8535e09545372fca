"""A dead worker detected by its missing heartbeat.

`worker.heartbeat_timeout_seconds`: a worker silent for this long is considered dead and
the attempts its row lists are resubmitted as new attempts. The message it held comes back
later too, when its lease lapses (`broker.visibility_timeout_seconds`, longer here than the
heartbeat timeout, as by default): the worker that gets it finds the attempt closed and
drops it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from podium.common.models.state import State
from podium.common.store import list_services
from tests.integration.conftest import (
    deploy,
    finish,
    own_database,
    start_runtime,
    stop_runtime,
    wait_for,
)

pytestmark = pytest.mark.service
# Well past the heartbeat timeout (6 s) plus its detection, so the resubmission comes first.
VISIBILITY_TIMEOUT = 16

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
def started(deployment):
    # A database of its own: the executors claim every silent worker row of their store,
    # and the session's database holds the rows of other modules' killed workers.
    with own_database() as url:
        runtime, env = start_runtime(
            deployment, "heartbeat:", executors=1, workers=1, worker_concurrency=2,
            PODIUM_DATABASE__URL=url,
            # Twelve beats per timeout: a store commit slowed by a loaded machine must not
            # make the live replacement worker look dead too.
            PODIUM_WORKER__HEARTBEAT_SECONDS="0.5", PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS="6",
            PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_TIMEOUT),
            PODIUM_BROKER__RESTORE_INTERVAL_SECONDS="1")
        yield runtime, env
        stop_runtime(deployment, runtime)


def sys_services(env: dict[str, str], *args: str) -> list[dict]:
    output = subprocess.run(
        [sys.executable, "-m", "podium.cli", "sys", "services", "--output", "json", *args],
        env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def running_attempts(runtime) -> list[dict]:
    with runtime.db.read() as conn:
        return [item for row in list_services(conn, kind="worker") for item in row.running]


def test_every_service_registers_and_lists_its_running_attempts(started, tmp_path):
    runtime, env = started
    kinds = sorted(row["kind"] for row in sys_services(env))
    assert kinds == ["executor", "worker"]
    deploy(runtime, FLOW)
    execution = runtime.submit("it.heartbeat", "heartbeat", {"dir": str(tmp_path)})
    wait_for(lambda: (tmp_path / "started").exists(), 20, "the task to start")
    (run,) = runtime.task_runs(execution.id)
    running = wait_for(lambda: running_attempts(runtime), 1.5,
                       "the worker's heartbeat to list the attempt")
    assert running == [{"execution_id": execution.id, "task_run_id": run.id, "attempt": 1}]
    assert finish(runtime, execution.id).state is State.SUCCESS


def test_attempt_of_a_silent_worker_is_resubmitted_after_heartbeat_timeout(started, tmp_path):
    runtime, env = started
    deploy(runtime, FLOW)
    workers = [process for role, process, _ in runtime.fleet.processes
               if role == "worker" and process.poll() is None]
    execution = runtime.submit("it.heartbeat", "heartbeat", {"dir": str(tmp_path)})
    wait_for(lambda: (tmp_path / "started").exists(), 20, "the task to start")
    # This attempt: the row may still list the previous test's for up to a beat.
    wait_for(lambda: any(item["execution_id"] == execution.id
                         for item in running_attempts(runtime)), 1.5,
             "the heartbeat to carry the attempt")
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    runtime.fleet.add("worker", 2)
    runtime.fleet.wait_ready(30)
    # heartbeat timeout (6 s) + its detection (1.5 s) + the task (2 s), with slack.
    execution = finish(runtime, execution.id, timeout=30)
    assert execution.state is State.SUCCESS
    (run,) = runtime.task_runs(execution.id)
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.KILLED), (2, State.SUCCESS)]
    assert len((tmp_path / "started").read_text().split()) == 2
    assert any("stopped sending heartbeats" in line.message for line in runtime.logs(execution.id))
    dead = {r["pid"] for r in sys_services(env, "--all") if r["state"] == "DEAD"}
    assert {w.pid for w in workers} <= dead

    # The killed worker's message of attempt 1 comes back once its lease lapses; the
    # replacement drops it rather than run the closed attempt a third time.
    wait_for(lambda: "the executor has closed that attempt since" in runtime.fleet.log_tail(200),
             VISIBILITY_TIMEOUT + 15, "the lapsed message of attempt 1 to come back")
    assert len((tmp_path / "started").read_text().split()) == 2
    (run,) = runtime.task_runs(execution.id)
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.KILLED), (2, State.SUCCESS)]
