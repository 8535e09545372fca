"""A task body never runs twice for one attempt, over real executor and worker processes.

The RunTask messages here come from the executor itself: the flow's task has a workerGroup
no fleet worker serves, an interceptor in this process takes the real RunTask off that
queue, and the test hands it to the workers' queue, once, twice, or as the outbox sweeper
would after an executor crash.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from podium.common.models.state import State
from podium.common.store.outbox import count_messages, enqueue_messages
from podium.common.store.schema import outbox
from podium.common.store.types import utcnow
from podium.common.transport.base import WORKER_QUEUE
from tests.integration.conftest import (
    Interceptor,
    deploy,
    finish,
    start_runtime,
    stop_runtime,
    wait_for,
)
from tests.integration.held_run_tasks import dropped, recording_flow, runs

pytestmark = pytest.mark.service

GROUP = "podium.worker.dedupe"

FLOW = recording_flow("dedupe")


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "dedupe:", executors=1, workers=2,
                               worker_concurrency=2)
    deploy(runtime, FLOW)
    interceptor = Interceptor(runtime, GROUP).start()
    yield runtime, interceptor
    interceptor.stop()
    stop_runtime(deployment, runtime)


def run_task_of(interceptor: Interceptor, execution_id: str) -> dict:
    return interceptor.take(lambda p: p.get("execution_id") == execution_id,
                            what="the execution's RunTask")




def test_a_run_task_delivered_twice_runs_its_body_once(runtime, tmp_path):
    runtime, interceptor = runtime
    execution = runtime.submit("it.dedupe", "dedupe", {"dir": str(tmp_path)})
    payload = run_task_of(interceptor, execution.id)
    # As a publish retried after a connection error, or a broker delivering twice: two
    # workers are free, each may take a copy.
    runtime.transport.publish(WORKER_QUEUE, payload)
    runtime.transport.publish(WORKER_QUEUE, payload)
    assert finish(runtime, execution.id).state is State.SUCCESS
    wait_for(lambda: dropped(runtime, payload) or len(runs(tmp_path)) > 1,
             20, "the second copy to be handled")
    assert len(runs(tmp_path)) == 1, runs(tmp_path)


def test_the_sweeper_does_not_make_a_finished_attempt_run_again(runtime, tmp_path):
    runtime, interceptor = runtime
    execution = runtime.submit("it.dedupe", "dedupe", {"dir": str(tmp_path)})
    payload = run_task_of(interceptor, execution.id)
    runtime.transport.publish(WORKER_QUEUE, payload)
    assert finish(runtime, execution.id).state is State.SUCCESS
    # The executor that published this RunTask died before deleting its outbox row: the
    # row is still there, older than the sweeper's grace period.
    with runtime.db.begin() as conn:
        (row_id,) = enqueue_messages(conn, [(WORKER_QUEUE, payload)])
        conn.execute(update(outbox).where(outbox.c.id == row_id)
                     .values(created=utcnow() - timedelta(minutes=5)))
    with runtime.db.read() as conn:
        assert count_messages(conn) >= 1

    def swept() -> bool:
        with runtime.db.read() as conn:
            return count_messages(conn) == 0

    wait_for(swept, 30, "the sweeper to republish the row")
    wait_for(lambda: dropped(runtime, payload) or len(runs(tmp_path)) > 1,
             20, "the republished RunTask to be handled")
    assert len(runs(tmp_path)) == 1, runs(tmp_path)
