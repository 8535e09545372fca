"""Delivery guarantees on the real services: duplicates, stale results, kill, lost publish.

Real RunTask messages are captured by routing the task to a worker group no fleet worker
serves (`workerGroup.key: intercept`): an `Interceptor` in this process consumes that
queue, and the test re-publishes the captured payloads to `podium.worker`, where the real
workers run them, as often as it likes.

The fleet logs at INFO so that the executor's "ignored" decisions (logged at INFO by
ExecutorService.handle) can be read from its log file.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from podium.common.flow.loader import parse_flow
from podium.common.messages import KillExecution, TaskResult
from podium.common.models.state import State
from podium.common.store import get_flow
from podium.common.store.types import utcnow
from podium.common.submission import create_execution
from podium.common.transport.base import EXECUTOR_QUEUE, WORKER_QUEUE, worker_group_queue
from tests.integration.conftest import (
    Interceptor,
    deploy,
    finish,
    process_running,
    start_runtime,
    stop_runtime,
    wait_for,
)
from tests.integration.scrape import results_handled, wait_result_handled

pytestmark = pytest.mark.service

INTERCEPT_QUEUE = worker_group_queue("intercept")


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "delivery:", executors=1, workers=2,
                               worker_concurrency=2, PODIUM_LOG_LEVEL="INFO")
    yield runtime
    stop_runtime(deployment, runtime)


@pytest.fixture(scope="module")
def interceptor(runtime):
    interceptor = Interceptor(runtime, INTERCEPT_QUEUE).start()
    yield interceptor
    interceptor.stop()


def executor_log(runtime) -> str:
    return "\n".join(ready.with_suffix(".log").read_text(errors="replace")
                     for role, _, ready in runtime.fleet.processes if role == "executor")


def snapshot(runtime, execution_id: str):
    execution = runtime.get(execution_id)
    runs = runtime.task_runs(execution_id)
    return execution.model_dump(), [run.model_dump() for run in runs]


# ---------------------------------------------------------------- 3. duplicate delivery

DUPLICATE_FLOW = """
id: duplicate
namespace: it.delivery
inputs:
  - id: file
    type: STRING
tasks:
  - id: append
    type: io.kestra.plugin.scripts.shell.Commands
    workerGroup:
      key: intercept
    env:
      FILE: "{{ inputs.file }}"
    commands:
      - echo ran >> "$FILE"
      - 'echo "::{\\"outputs\\": {\\"lines\\": $(wc -l < "$FILE")}}::"'
"""


def test_duplicate_run_task_does_not_run_twice_and_results_are_recorded_once(runtime, interceptor, tmp_path):
    deploy(runtime, DUPLICATE_FLOW)
    marker = tmp_path / "ran.txt"
    execution = runtime.submit("it.delivery", "duplicate", {"file": str(marker)})
    run_task = interceptor.take(lambda p: p["execution_id"] == execution.id, what="RunTask")
    assert run_task["kind"] == "run_task" and run_task["attempt"] == 1

    runtime.transport.publish(WORKER_QUEUE, run_task)
    execution = finish(runtime, execution.id)
    assert execution.state is State.SUCCESS
    before = snapshot(runtime, execution.id)
    (run,) = runtime.task_runs(execution.id)
    assert run.outputs["vars"] == {"lines": 1}

    # The very same message again (a duplicate delivery): the worker drops it, its claim
    # on the broker says the attempt's result was published; the body does not run again.
    runtime.transport.publish(WORKER_QUEUE, run_task)
    wait_for(lambda: f"of task run {run.id} not run again" in runtime.fleet.log_tail(300), 20,
             "a worker to drop the duplicate RunTask")
    assert marker.read_text().count("ran") == 1

    # And results for the same attempt (a copy, or forged with another state) are ignored.
    ignored = f"duplicate result for attempt 1 of task run {run.id}"
    forged = TaskResult(execution_id=execution.id, task_run_id=run.id, attempt=1,
                        state=State.FAILED, outputs={"vars": {"lines": 99}}, error="forged")
    runtime.transport.publish(EXECUTOR_QUEUE, forged.encode())
    runtime.transport.publish(EXECUTOR_QUEUE, forged.encode())
    wait_for(lambda: executor_log(runtime).count(ignored) >= 2, 20,
             "the executor to ignore the forged results")

    assert snapshot(runtime, execution.id) == before
    (run,) = runtime.task_runs(execution.id)
    assert len(run.attempts) == 1 and run.attempts[0].state is State.SUCCESS
    assert run.outputs["vars"] == {"lines": 1}
    assert runtime.get(execution.id).state is State.SUCCESS


# ---------------------------------------------------------------- 4. stale attempt

STALE_FLOW = """
id: stale
namespace: it.delivery
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: always fails
    workerGroup:
      key: intercept
    retry:
      type: constant
      interval: PT1S
      maxAttempt: 2
"""


def test_result_of_a_previous_attempt_is_ignored(runtime, interceptor):
    deploy(runtime, STALE_FLOW)
    execution = runtime.submit("it.delivery", "stale")
    first = interceptor.take(lambda p: p["execution_id"] == execution.id, what="attempt 1")
    assert first["attempt"] == 1
    runtime.transport.publish(WORKER_QUEUE, first)

    # Attempt 1 fails on a real worker; the retry timer (PT1S) dispatches attempt 2, which
    # the interceptor holds: the task run is now RUNNING its second attempt.
    second = interceptor.take(lambda p: p["execution_id"] == execution.id, what="attempt 2")
    assert second["attempt"] == 2 and second["task_run_id"] == first["task_run_id"]
    (run,) = runtime.task_runs(execution.id)
    assert run.state is State.RUNNING
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.FAILED), (2, State.RUNNING)]
    before = snapshot(runtime, execution.id)

    stale = TaskResult(execution_id=execution.id, task_run_id=run.id, attempt=1,
                       state=State.SUCCESS, outputs={"forged": True})
    runtime.transport.publish(EXECUTOR_QUEUE, stale.encode())
    ignored = f"stale result for attempt 1 of task run {run.id}"
    wait_for(lambda: ignored in executor_log(runtime), 20, "the executor to ignore attempt 1")
    assert snapshot(runtime, execution.id) == before

    runtime.transport.publish(WORKER_QUEUE, second)
    execution = finish(runtime, execution.id)
    assert execution.state is State.FAILED
    (run,) = runtime.task_runs(execution.id)
    assert run.state is State.FAILED
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.FAILED), (2, State.FAILED)]
    assert not (run.outputs or {}).get("forged")


# ---------------------------------------------------------------- 5. kill

KILL_FLOW = """
id: killme
namespace: it.delivery
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
      - exec sleep 60
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: unreachable
"""



def test_kill_execution_stops_the_running_script(runtime, tmp_path):
    deploy(runtime, KILL_FLOW)
    pidfile = tmp_path / "pid"
    handled = results_handled(runtime.fleet)  # before its only attempt can end
    execution = runtime.submit("it.delivery", "killme", {"pidfile": str(pidfile)})
    wait_for(lambda: any(r.state is State.RUNNING for r in runtime.task_runs(execution.id)), 20,
             "the task run to be RUNNING")
    pid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), 20,
                       "the script to start"))
    wait_for(lambda: process_running(pid, b"sleep 60"), 10, "`sleep 60` to run")

    started = time.monotonic()
    runtime.transport.publish(EXECUTOR_QUEUE, KillExecution(execution_id=execution.id).encode())
    execution = finish(runtime, execution.id, timeout=10)
    assert execution.state is State.KILLED
    wait_for(lambda: not process_running(pid, b"sleep 60"), 10, f"`sleep 60` (pid {pid}) to be gone")
    elapsed = time.monotonic() - started
    assert elapsed < 10, elapsed

    runs = runtime.task_runs(execution.id)
    assert [(r.task_id, r.state) for r in runs] == [("sleepy", State.KILLED)]
    # The worker reports the killed attempt afterwards; the executor must not revive it.
    wait_result_handled(runtime.fleet, handled)
    assert runtime.get(execution.id).state is State.KILLED


# ---------------------------------------------------------------- 6. commit without publish

CRASH_FLOW = """
id: orphan
namespace: it.delivery
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: "found me"
outputs:
  - id: out
    type: STRING
    value: "{{ outputs.hello.value }}"
"""


def test_execution_committed_but_never_published_is_swept_and_runs(runtime):
    loaded = parse_flow(CRASH_FLOW)
    revision = runtime.deploy(loaded).revision
    with runtime.db.begin() as conn:
        assert get_flow(conn, "it.delivery", "orphan").revision == revision
        execution, outgoing = create_execution(conn, loaded.flow, revision, {}, utcnow())
    # The submitter "dies" here: the transaction committed, nothing was published.
    (row_id, queue, payload) = outgoing[0]
    assert queue == EXECUTOR_QUEUE and payload["kind"] == "start_execution"
    with runtime.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE id = :id"),
                            {"id": row_id}).scalar() == 1

    started = time.monotonic()
    execution = finish(runtime, execution.id, timeout=40)
    elapsed = time.monotonic() - started
    assert execution.state is State.SUCCESS
    assert execution.outputs == {"out": "found me"}
    with runtime.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE id = :id"),
                            {"id": row_id}).scalar() == 0
    # Grace period (10 s) + sweep period (5 s) bound the delay.
    assert 5 <= elapsed < 30, elapsed
    print(f"orphaned execution swept and finished after {elapsed:.1f}s")



# ---------------------------------------------------------------- publish exactly once

def test_submission_of_a_live_client_leaves_no_outbox_row(runtime):
    deploy(runtime, CRASH_FLOW)
    execution = runtime.submit("it.delivery", "orphan")
    assert finish(runtime, execution.id).state is State.SUCCESS

    def outbox_rows() -> int:
        with runtime.db.read() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM outbox WHERE payload::jsonb ->> 'execution_id' = :id"),
                {"id": execution.id}).scalar()
    # The executor deletes its own published rows within a fraction of a second; a live
    # client must too, or the sweeper (grace 10 s) publishes the submission a second time.
    wait_for(lambda: outbox_rows() == 0, 3, "the published submission's outbox row to go")
