"""A worker frozen with SIGSTOP, then resumed, over real processes.

While it is frozen, the RunTask it had already read from Redis (its pending BRPOP took it)
sits in its socket. Meanwhile the execution is killed, or the worker is declared dead and
the attempt runs elsewhere. Resumed, the worker notices it was silent (worker/silence.py),
checks the message against the store and drops it: no task body starts after the kill,
none runs twice.

The RunTasks come from the executor: the flow's task has a workerGroup no fleet worker
serves; the test takes the real message off that queue and hands it to the workers' queue
while the worker is frozen.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from podium.common.messages import KillExecution
from podium.common.models.state import State
from podium.common.transport.base import EXECUTOR_QUEUE, WORKER_QUEUE
from tests.integration.conftest import (
    Interceptor,
    deploy,
    finish,
    own_database,
    start_runtime,
    stop_runtime,
    wait_for,
)
from tests.integration.held_run_tasks import dropped, recording_flow, runs

pytestmark = pytest.mark.service

GROUP = "podium.worker.frozen"
HEARTBEAT_TIMEOUT = 4
# How long a resumed worker may take to read the RunTask it held and answer it: seconds
# when the machine is quiet, longer when CI runs both halves of the suite at once (seen:
# over 20 s). A bound for an event, not a pause: the wait ends as soon as it happens.
RESUMED_WITHIN = 60

FLOW = recording_flow("frozen")


@pytest.fixture(scope="module")
def frozen(deployment):
    # A database of its own: executors claim every silent worker row of their store.
    with own_database() as url:
        runtime, env = start_runtime(
            deployment, "frozen:", executors=1, workers=1, worker_concurrency=1,
            PODIUM_DATABASE__URL=url, PODIUM_WORKER__HEARTBEAT_SECONDS="0.5",
            PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS=str(HEARTBEAT_TIMEOUT),
            PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS="16",
            PODIUM_BROKER__RESTORE_INTERVAL_SECONDS="1")
        deploy(runtime, FLOW)
        interceptor = Interceptor(runtime, GROUP).start()
        (worker,) = runtime.fleet.running("worker")
        yield runtime, env, interceptor, worker
        interceptor.stop()
        stop_runtime(deployment, runtime)


def queued(deployment, env) -> int:
    return int(deployment.redis.llen(env["PODIUM_BROKER__KEY_PREFIX"] + WORKER_QUEUE))


def freeze_holding(deployment, env, runtime, worker, payload: dict) -> float:
    """SIGSTOP the idle worker, then publish `payload`: its pending read takes it."""
    os.kill(worker.pid, signal.SIGSTOP)
    frozen_at = time.monotonic()
    runtime.transport.publish(WORKER_QUEUE, payload)
    wait_for(lambda: queued(deployment, env) == 0, 5,
             "the frozen worker's pending read to take the RunTask")
    return frozen_at




def test_no_task_starts_after_a_kill_while_its_worker_was_frozen(frozen, deployment, tmp_path):
    runtime, env, interceptor, worker = frozen
    execution = runtime.submit("it.frozen", "frozen", {"dir": str(tmp_path)})
    payload = interceptor.take(lambda p: p["execution_id"] == execution.id)
    frozen_at = freeze_holding(deployment, env, runtime, worker, payload)
    try:
        runtime.transport.publish(EXECUTOR_QUEUE,
                                  KillExecution(execution_id=execution.id).encode())
        assert finish(runtime, execution.id).state is State.KILLED
        # Frozen long enough to notice (worker/silence.py GAP_SECONDS), not to be dead.
        time.sleep(max(0.0, frozen_at + 3 - time.monotonic()))
    finally:
        os.kill(worker.pid, signal.SIGCONT)
    wait_for(lambda: dropped(runtime, payload) or runs(tmp_path), RESUMED_WITHIN,
             "the resumed worker to handle the RunTask it held")
    assert runs(tmp_path) == []
    assert runtime.get(execution.id).state is State.KILLED


def test_a_worker_declared_dead_does_not_run_what_it_held_once_resumed(frozen, deployment,
                                                                        tmp_path):
    runtime, env, interceptor, worker = frozen
    execution = runtime.submit("it.frozen", "frozen", {"dir": str(tmp_path)})
    first = interceptor.take(lambda p: p["execution_id"] == execution.id)
    freeze_holding(deployment, env, runtime, worker, first)
    try:
        # The worker that will run attempt 2 starts first: while the test holds a RunTask
        # it is in no queue and no worker's hands, and a lost-message scan (after the
        # death, or the periodic one) would send it again as attempt 3. So it is handed on
        # at once, not after a worker start-up.
        runtime.fleet.add("worker", 1)
        runtime.fleet.wait_ready(30)
        # Declared dead after the heartbeat timeout; the RunTask it took is in no queue and
        # no consumer's hands: the executor sends the attempt again, as attempt 2.
        second = interceptor.take(lambda p: p["execution_id"] == execution.id,
                                  timeout=HEARTBEAT_TIMEOUT + 20, what="attempt 2")
        runtime.transport.publish(WORKER_QUEUE, second)
        assert second["attempt"] == 2
        assert finish(runtime, execution.id).state is State.SUCCESS
    finally:
        os.kill(worker.pid, signal.SIGCONT)
    wait_for(lambda: dropped(runtime, first) or len(runs(tmp_path)) > 1, RESUMED_WITHIN,
             "the resumed worker to handle the RunTask it held")
    assert len(runs(tmp_path)) == 1
    (run,) = runtime.task_runs(execution.id)
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.KILLED), (2, State.SUCCESS)]
