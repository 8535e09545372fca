"""ResubmitAttempt in the pure core: a lost attempt is closed and the task runs again as
the next attempt; a result or a resubmit for anything but the running attempt is a no-op."""

from __future__ import annotations

from podium.common.messages import ResubmitAttempt
from podium.common.models.state import State
from podium.executor.engine.context import EngineConfig
from tests.unit.executor.harness import Harness
from tests.unit.executor.test_engine_subflow import started

FLOW = """id: f
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: a
  - id: b
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


def resubmit(h: Harness, dispatch, worker: str = "worker-x"):
    return h.send(ResubmitAttempt(execution_id=h.execution.id, task_run_id=dispatch.task_run.id,
                                  attempt=dispatch.attempt, worker_id=worker))


def test_lost_attempt_is_closed_and_the_task_dispatched_as_the_next_attempt():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    decision = resubmit(h, first)
    assert decision.ignored is None
    assert len(h.dispatched) == 2
    again = h.dispatched[1]
    assert (again.task_run.id, again.attempt) == (first.task_run.id, 2)
    run = h.by_task("a")[0]
    assert run.state is State.RUNNING
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.KILLED), (2, State.RUNNING)]
    assert any("worker-x stopped sending heartbeats" in text for _, level, text in decision.logs
               if level == "WARNING")


def test_the_lost_attempts_late_result_is_stale_and_the_new_one_counts():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    resubmit(h, first)
    late = h.result(first, "SUCCESS", {"value": "old"})
    assert late.ignored and "stale" in late.ignored
    h.result(h.dispatched[1], "SUCCESS", {"value": "new"})
    assert h.by_task("a")[0].outputs == {"value": "new"}
    assert h.by_task("a")[0].state is State.SUCCESS


def test_resubmit_after_the_result_or_twice_changes_nothing():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    h.result(first, "SUCCESS", {"value": "a"})
    assert resubmit(h, first).ignored  # the attempt ended: nothing to resubmit
    second = h.dispatched[1]
    assert resubmit(h, second).ignored is None
    assert resubmit(h, second).ignored  # a duplicate of the same resubmit
    assert [d.attempt for d in h.dispatched if d.task_run.task_id == "b"] == [1, 2]


def test_resubmit_of_a_killed_execution_is_ignored():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    h.kill()
    assert resubmit(h, first).ignored
    assert h.execution.state is State.KILLED


def test_a_lost_message_resubmits_with_its_own_reason():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    decision = h.send(ResubmitAttempt(execution_id=h.execution.id, task_run_id=first.task_run.id,
                                      attempt=1, lost=True))
    assert decision.ignored is None
    assert [d.attempt for d in h.dispatched] == [1, 2]
    (warning,) = [text for _, level, text in decision.logs if level == "WARNING"]
    assert "lost with a consumer that died" in warning and "resubmitted as attempt 2" in warning


def test_an_attempt_not_run_by_a_worker_is_never_resubmitted():
    # A Subflow's attempt waits on its child execution: there is no message to have lost.
    h, command = started()
    (call,) = h.by_task("call")
    assert [(a.number, a.state) for a in call.attempts] == [(1, State.RUNNING)]
    decision = h.send(ResubmitAttempt(execution_id=h.execution.id, task_run_id=call.id,
                                      attempt=1, lost=True))
    assert decision.ignored and "does not run on a worker" in decision.ignored
    assert [(a.number, a.state) for a in h.by_task("call")[0].attempts] == [(1, State.RUNNING)]


POISON = """id: p
namespace: company.team
tasks:
  - id: poison
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["kill -9 $PPID"]
    retry:
      type: constant
      interval: PT1S
      maxAttempt: 10
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: not reached
errors:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: cleaning up
"""


def lose_every_attempt(h: Harness, times: int) -> list:
    """The worker of each attempt of the first task falls silent: resubmit it `times` times."""
    decisions = []
    for _ in range(times):
        decisions.append(resubmit(h, h.dispatched[-1]))
    return decisions


def test_a_task_whose_worker_dies_every_time_fails_after_max_lost_attempts():
    h = Harness(POISON)
    h.start()
    *resubmitted, last = lose_every_attempt(h, 3)
    assert [d.ignored for d in resubmitted] == [None, None]
    (run,) = h.by_task("poison")
    assert [(a.number, a.state) for a in run.attempts] == [
        (1, State.KILLED), (2, State.KILLED), (3, State.FAILED)]
    assert run.state is State.FAILED
    assert len([d for d in h.dispatched if d.task_run.task_id == "poison"]) == 3  # no retry
    (error,) = [text for _, level, text in last.logs if level == "ERROR"]
    assert "died 3 times in a row (attempts 1-3" in error and "giving up" in error
    # The execution's failure path: `errors` runs, the next task does not.
    h.run()
    assert h.states() == {"poison": "FAILED", "cleanup": "SUCCESS"}
    assert h.execution.state is State.FAILED


def test_the_bound_is_a_setting_and_allow_failure_applies():
    source = POISON.replace("    retry:", "    allowFailure: true\n    retry:")
    h = Harness(source, config=EngineConfig(max_lost_attempts=2))
    h.start()
    lose_every_attempt(h, 2)
    (run,) = h.by_task("poison")
    assert [a.state for a in run.attempts] == [State.KILLED, State.FAILED]
    assert h.run() is State.WARNING
    assert h.states()["never"] == "SUCCESS"


def test_a_finished_attempt_or_a_lost_message_between_losses_resets_the_count():
    h = Harness(POISON)
    h.start()
    lose_every_attempt(h, 2)
    h.send(ResubmitAttempt(execution_id=h.execution.id, task_run_id=h.dispatched[-1].task_run.id,
                           attempt=h.dispatched[-1].attempt, lost=True))  # not the task's doing
    lose_every_attempt(h, 1)
    (run,) = h.by_task("poison")
    assert run.state is State.RUNNING and len(run.attempts) == 5
    h.result(h.dispatched[-1], "FAILED")  # an attempt that ran to its end: retried
    h.fire_timers()
    lose_every_attempt(h, 2)
    (run,) = h.by_task("poison")
    assert run.state is State.RUNNING  # two losses in a row since the failed attempt


def test_other_executions_are_unaffected_by_a_poison_task():
    poisoned, healthy = Harness(POISON), Harness(POISON.replace("kill -9 $PPID", "true"))
    poisoned.start()
    lose_every_attempt(poisoned, 3)
    assert poisoned.by_task("poison")[0].state is State.FAILED
    assert healthy.run() is State.SUCCESS
