"""A worker stopped with SIGTERM mid-task: it takes no new message, lets the running
attempt finish within `worker.shutdown_grace_seconds`, and past that interrupts it and
puts it back on its queue, where another worker runs the same attempt. No execution is
lost either way."""

from __future__ import annotations

import signal
import time

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime, wait_for

pytestmark = pytest.mark.service

FLOW = """
id: shutdown
namespace: it.shutdown
inputs:
  - id: dir
    type: STRING
  - id: seconds
    type: INT
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      DIR: "{{ inputs.dir }}"
      SECONDS_TO_SLEEP: "{{ inputs.seconds }}"
    commands:
      - echo $$ >> "$DIR/started"
      # A rerun (after a requeue) is quick: the first run left its mark.
      - if [ "$(wc -l < "$DIR/started")" -gt 1 ]; then exit 0; fi
      - sleep "$SECONDS_TO_SLEEP"
      - touch "$DIR/finished"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: done
"""


def only_worker(runtime):
    (worker,) = [p for role, p, _ in runtime.fleet.processes if role == "worker" and p.poll() is None]
    return worker


@pytest.fixture
def runtime(deployment, request):
    grace = request.param
    runtime, _ = start_runtime(deployment, f"shutdown-{grace}:", executors=1, workers=1,
                               worker_concurrency=2, PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS=grace)
    deploy(runtime, FLOW)
    yield runtime
    stop_runtime(deployment, runtime)


@pytest.mark.parametrize("runtime", ["30"], indirect=True)
def test_running_attempt_finishes_within_the_grace(runtime, tmp_path):
    worker = only_worker(runtime)
    execution = runtime.submit("it.shutdown", "shutdown", {"dir": str(tmp_path), "seconds": 2})
    wait_for(lambda: (tmp_path / "started").exists(), 20, "the task to start")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 0
    assert (tmp_path / "finished").exists()  # finished before the worker exited
    runtime.fleet.add("worker", 2)  # runs `after`
    execution = finish(runtime, execution.id)
    assert execution.state is State.SUCCESS
    work = next(r for r in runtime.task_runs(execution.id) if r.task_id == "work")
    assert len(work.attempts) == 1
    assert len((tmp_path / "started").read_text().split()) == 1  # ran once


@pytest.mark.parametrize("runtime", ["1"], indirect=True)
def test_attempt_still_running_after_the_grace_is_requeued(runtime, tmp_path):
    worker = only_worker(runtime)
    execution = runtime.submit("it.shutdown", "shutdown", {"dir": str(tmp_path), "seconds": 60})
    wait_for(lambda: (tmp_path / "started").exists(), 20, "the task to start")
    began = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(20) == 0
    assert time.monotonic() - began < 15  # the grace, not the 60 s task
    assert not (tmp_path / "finished").exists()
    runtime.fleet.add("worker", 2)
    execution = finish(runtime, execution.id)
    assert execution.state is State.SUCCESS
    work = next(r for r in runtime.task_runs(execution.id) if r.task_id == "work")
    assert [(a.number, a.state) for a in work.attempts] == [(1, State.SUCCESS)]
    assert len((tmp_path / "started").read_text().split()) == 2  # interrupted, then rerun
    assert any("interrupted and requeued" in line.message for line in runtime.logs(execution.id))
