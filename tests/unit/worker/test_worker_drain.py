"""WorkerService's drain: after the grace, running attempts are interrupted and marked for
requeue, except one a kill request already stopped."""

from __future__ import annotations

import threading

from common.messages import RunTask
from worker.service import WorkerService, queue_of


def run_task(run_id: str, group: str | None = None) -> RunTask:
    task = {"id": "t", "type": "io.kestra.plugin.core.log.Log", "message": "hi"}
    if group:
        task["workerGroup"] = {"key": group}
    return RunTask(execution_id="e", task_run_id=run_id, attempt=1, task=task, context={},
                   namespace="n", flow_id="f", flow_revision=1)


class NoStore:
    pass


def test_grace_over_interrupts_running_attempts_but_not_killed_ones():
    service = WorkerService(NoStore(), transport=None)
    first, second = run_task("r1"), run_task("r2")
    events = [service._register(first), service._register(second)]
    events[1].set()  # a kill request stopped r2 already
    assert service.running_attempts() == [
        {"execution_id": "e", "task_run_id": "r1", "attempt": 1},
        {"execution_id": "e", "task_run_id": "r2", "attempt": 1}]
    timer = service.drain(0.01)
    timer.join(2)
    assert events[0].is_set()
    assert service._unregister(first) is True  # goes back to its queue
    assert service._unregister(second) is False  # reports KILLED
    assert service.running_attempts() == []


def test_nothing_is_interrupted_when_attempts_end_within_the_grace():
    service = WorkerService(NoStore(), transport=None)
    message = run_task("r1")
    killed = service._register(message)
    timer = service.drain(0.2)
    assert service._unregister(message) is False
    timer.join(2)
    assert not killed.is_set() and service.interrupt_for_requeue() == 0


def test_requeued_attempts_go_back_to_their_worker_group_queue():
    assert queue_of(run_task("r")) == "podium.worker"
    assert queue_of(run_task("r", "gpu")) == "podium.worker.gpu"
