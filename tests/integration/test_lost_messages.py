"""Messages the broker lost with a dead consumer are found and sent again.

kombu's Redis transport pops a message (BRPOP) before it records the delivery: a consumer
SIGKILLed in between takes the message with it. Here the losses are made exactly: the
RunTask of one execution is removed from its Redis list while no worker runs; an execution
is committed without its StartExecution. A service row that stopped beating stands for the
consumer that died. The executor that declares it dead looks for what no message stands
for any more and sends only that again: the other execution's RunTask, still queued, and
an execution scheduled for later are left alone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis

from podium.common.flow.loader import parse_flow
from podium.common.heartbeat import new_instance
from podium.common.models.state import State
from podium.common.store import beat, insert_execution
from podium.common.store.types import utcnow
from podium.common.submission import new_execution
from podium.common.transport.base import WORKER_QUEUE
from tests.integration.conftest import (
    deploy,
    finish,
    own_database,
    start_runtime,
    stop_runtime,
    wait_for,
)

pytestmark = pytest.mark.service

FLOW = """
id: lost
namespace: it.lost
inputs:
  - id: n
    type: INT
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n }}"
"""


@pytest.fixture(scope="module")
def started(deployment):
    with own_database() as url:  # the executor claims every silent row of its store
        runtime, env = start_runtime(
            deployment, "lost:", executors=1, workers=0, PODIUM_DATABASE__URL=url,
            PODIUM_WORKER__HEARTBEAT_SECONDS="0.5", PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS="4")
        yield runtime, env
        stop_runtime(deployment, runtime)


def attempts(runtime, execution_id: str) -> list[tuple[int, State]]:
    """The attempts of the execution's one task run (none before it is created)."""
    return [(a.number, a.state) for run in runtime.task_runs(execution_id)
            for a in run.attempts]


def drop_run_task(client: redis.Redis, queue_key: str, task_run_id: str) -> None:
    """Remove the attempt's message from its queue, as a consumer killed between taking it
    and recording the delivery would."""
    for raw in client.lrange(queue_key, 0, -1):
        if f'"id": "run_task:{task_run_id}:1/'.encode() in raw:
            assert client.lrem(queue_key, 1, raw) == 1
            return
    raise AssertionError(f"no RunTask of {task_run_id} in {queue_key}")


def test_attempt_whose_message_was_lost_is_resubmitted_and_only_that_one(started):
    runtime, env = started
    deploy(runtime, FLOW)
    lost, kept = (runtime.submit("it.lost", "lost", {"n": n}).id for n in (1, 2))
    for execution_id in (lost, kept):
        wait_for(lambda: attempts(runtime, execution_id) == [(1, State.RUNNING)], 20,
                 "the attempt to be dispatched")
    client = redis.Redis.from_url(env["PODIUM_BROKER__URL"])
    queue_key = env["PODIUM_BROKER__KEY_PREFIX"] + WORKER_QUEUE
    wait_for(lambda: client.llen(queue_key) == 2, 10, "both RunTasks queued")
    (lost_run,) = runtime.task_runs(lost)
    drop_run_task(client, queue_key, lost_run.id)

    dead = new_instance("worker").but(heartbeat_at=utcnow() - timedelta(minutes=5))
    with runtime.db.begin() as conn:
        beat(conn, dead)
    wait_for(lambda: attempts(runtime, lost) == [(1, State.KILLED), (2, State.RUNNING)], 20,
             "the lost attempt to be resubmitted")
    assert attempts(runtime, kept) == [(1, State.RUNNING)]
    assert client.llen(queue_key) == 2  # the kept one and the lost one's attempt 2

    runtime.fleet.add("worker", 2)
    for execution_id in (lost, kept):
        assert finish(runtime, execution_id).state is State.SUCCESS
    assert attempts(runtime, lost) == [(1, State.KILLED), (2, State.SUCCESS)]
    assert attempts(runtime, kept) == [(1, State.SUCCESS)]
    assert any("lost with a consumer that died" in line.message
               for line in runtime.logs(lost))
    assert "messages lost with a dead consumer, sent again" in runtime.fleet.log_tail(200)
    client.close()


def test_execution_whose_start_message_was_lost_is_started(started):
    runtime, env = started
    loaded = parse_flow(FLOW)
    revision = runtime.deploy(loaded).revision
    now = utcnow()
    lost = new_execution(loaded.flow, revision, {"n": 3}, now)
    later = new_execution(loaded.flow, revision, {"n": 4}, now,
                          schedule_date=now + timedelta(hours=1))
    with runtime.db.begin() as conn:  # committed, and no StartExecution anywhere
        insert_execution(conn, lost)
        insert_execution(conn, later)
        beat(conn, new_instance("executor").but(heartbeat_at=now - timedelta(minutes=5)))
    if not runtime.fleet.running("worker"):
        runtime.fleet.add("worker", 2)
    assert finish(runtime, lost.id).state is State.SUCCESS
    assert runtime.get(later.id).state is State.CREATED
    assert f"Unstarted start_execution:{lost.id}" in runtime.fleet.log_tail(200)
