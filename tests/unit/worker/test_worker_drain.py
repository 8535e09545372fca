"""WorkerService's drain: after the grace, running attempts are interrupted and marked for
requeue, except one a kill request already stopped."""

from __future__ import annotations

from podium.common.messages import KillTask, RunTask
from podium.worker.service import WorkerService, queue_of


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


def test_a_remembered_kill_stops_its_attempt_but_not_a_restart_of_the_run():
    """A kill may arrive before its attempt starts (remembered); it names the attempt it
    stops, so the restart's next attempt of the same task run runs."""
    service = WorkerService(NoStore(), transport=None)
    service.on_kill(KillTask(execution_id="e", task_run_id="r1", attempt=1).encode())
    first = run_task("r1")
    assert service._register(first).is_set()
    service._unregister(first)
    restarted = first.model_copy(update={"attempt": 2})
    running = service._register(restarted)
    assert not running.is_set()
    service.on_kill(KillTask(execution_id="e", task_run_id="r1", attempt=1).encode())
    assert not running.is_set()  # a late copy of the old kill
    service.on_kill(KillTask(execution_id="e", task_run_id="r1", attempt=2).encode())
    assert running.is_set()
