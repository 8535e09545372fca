"""Flow SLAs and the flow `timeout` in the pure core (Kestra's SLAService, processViolation)."""

from __future__ import annotations

from datetime import timedelta

from podium.common.messages import TimerFired
from podium.common.models.state import State
from podium.executor.engine.commands import (
    CancelTimers,
    ExecutionEnded,
    KillRunningTasks,
    ScheduleTimer,
)
from tests.unit.executor.harness import Harness

HEAD = "id: f\nnamespace: company.team\n"
SHELL = "io.kestra.plugin.scripts.shell.Commands"
RET = "io.kestra.plugin.core.debug.Return"
TWO_TASKS = f"""tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: slow
        type: {SHELL}
        commands: ["sleep 30"]
      - id: slower
        type: {SHELL}
        commands: ["sleep 60"]
"""


def max_duration(behavior: str, labels: str = "") -> str:
    return (f"sla:\n  - id: max\n    type: MAX_DURATION\n    behavior: {behavior}\n"
            f"    duration: PT1M\n{labels}")


def assertion(sla_id: str, behavior: str, expression: str, labels: str = "") -> str:
    return (f"  - id: {sla_id}\n    type: EXECUTION_ASSERTION\n    behavior: {behavior}\n"
            f"    assert: \"{expression}\"\n{labels}")


def fire(h: Harness, kind: str):
    timer = next(t for t in h.timers if t.kind == kind)
    h.timers.remove(timer)
    h.now = max(h.now, timer.fire_at)
    return h.send(TimerFired(execution_id=h.execution.id, timer_id=timer.timer_id,
                             timer_kind=timer.kind, task_run_id=timer.task_run_id))


def commands(decision, kind) -> list:
    return [c for c in decision.commands if isinstance(c, kind)]


def labels(h: Harness) -> dict:
    return {label["key"]: label["value"] for label in h.execution.labels}


def test_max_duration_timer_is_scheduled_once_at_start():
    h = Harness(HEAD + max_duration("FAIL") + TWO_TASKS)
    started = h.start()
    timer = commands(started, ScheduleTimer)[0]
    assert timer.kind == "sla_max_duration" and timer.timer_id == f"sla:{h.execution.id}:max"
    assert timer.fire_at == h.now + timedelta(minutes=1)
    h.result(h.dispatched[0], "SUCCESS")  # a later change schedules nothing more
    assert [t.kind for t in h.timers] == ["sla_max_duration"]


def test_max_duration_fail_kills_running_tasks():
    h = Harness(HEAD + max_duration("FAIL") + TWO_TASKS)
    h.start()
    assert len(h.dispatched) == 2
    decision = fire(h, "sla_max_duration")
    assert h.execution.state is State.FAILED
    # The last non-terminated run takes the SLA's state, the others are KILLED.
    assert h.states() == {"par": "KILLED", "slow": "KILLED", "slower": "FAILED"}
    killed = commands(decision, KillRunningTasks)[0].task_run_ids
    assert set(killed) == {d.task_run.id for d in h.dispatched}
    assert commands(decision, CancelTimers) and commands(decision, ExecutionEnded)
    assert any(level == "WARN" and "SLA 'max' violated" in text
               for _, level, text in decision.logs)
    # A late worker result changes nothing.
    assert h.result(h.dispatched[0], "SUCCESS").ignored


def test_max_duration_cancel():
    h = Harness(HEAD + max_duration("CANCEL") + TWO_TASKS)
    h.start()
    fire(h, "sla_max_duration")
    assert h.execution.state is State.CANCELLED
    assert h.states()["slower"] == "CANCELLED"


def test_max_duration_none_adds_labels_only():
    h = Harness(HEAD + max_duration("NONE", "    labels:\n      sla: late\n") + TWO_TASKS)
    h.start()
    decision = fire(h, "sla_max_duration")
    assert h.execution.state is State.RUNNING
    assert labels(h) == {"sla": "late"}
    assert not commands(decision, KillRunningTasks)
    assert h.execution.engine.sla_violations == ["max"]
    for dispatch in h.dispatched:
        h.result(dispatch, "SUCCESS")
    assert h.execution.state is State.SUCCESS


def test_max_duration_after_the_end_does_nothing():
    h = Harness(HEAD + max_duration("FAIL") + f"tasks:\n  - id: r\n    type: {RET}\n    format: x\n")
    h.start()
    h.result(h.dispatched[0], "SUCCESS")
    assert h.execution.state is State.SUCCESS
    assert fire(h, "sla_max_duration").ignored == "execution already terminated"


def test_assertion_is_evaluated_on_every_change():
    flow = HEAD + "sla:\n" + assertion("ok", "FAIL", "{{ tasks.slow.state ?? 'none' != 'SUCCESS' }}") \
        + TWO_TASKS
    h = Harness(flow)
    h.start()
    assert h.execution.state is State.RUNNING
    h.result(h.dispatched[0], "SUCCESS")  # the change makes the assertion false
    assert h.execution.state is State.FAILED
    assert h.states() == {"par": "KILLED", "slow": "SUCCESS", "slower": "FAILED"}


def test_assertion_cancel_from_the_start():
    flow = HEAD + "inputs:\n  - id: s\n    type: STRING\n    defaults: CANCEL\nsla:\n" + \
        assertion("c", "CANCEL", "{{ inputs.s != 'CANCEL' }}") + \
        f"tasks:\n  - id: r\n    type: {RET}\n    format: x\n"
    h = Harness(flow, inputs={"s": "CANCEL"})
    decision = h.start()
    assert h.execution.state is State.CANCELLED
    assert h.states() == {"r": "CANCELLED"}
    assert commands(decision, ExecutionEnded)


def test_only_the_first_violation_acts():
    flow = HEAD + "sla:\n" + \
        assertion("a", "NONE", "false", "    labels:\n      first: a\n") + \
        assertion("b", "FAIL", "false", "    labels:\n      second: b\n") + TWO_TASKS
    h = Harness(flow)
    decision = h.start()
    assert h.execution.state is State.RUNNING
    assert labels(h) == {"first": "a"}
    assert sorted(h.execution.engine.sla_violations) == ["a", "b"]
    warned = [text for _, level, text in decision.logs if level == "WARN"]
    assert len(warned) == 2
    later = h.result(h.dispatched[0], "SUCCESS")  # remembered: neither acts again
    assert not [text for _, level, text in later.logs if level == "WARN"]
    assert h.execution.state is State.RUNNING and labels(h) == {"first": "a"}


def test_an_assertion_that_cannot_be_evaluated_is_violated():
    # SLAServiceTest#shouldReturnViolationWithDeclaredBehaviorWhenAssertionCannotBeEvaluated
    flow = HEAD + "sla:\n" + assertion("bad", "FAIL", "{{ nope.missing }}",
                                       "    labels:\n      sla: broken\n") + TWO_TASKS
    h = Harness(flow)
    decision = h.start()
    assert h.execution.state is State.FAILED
    assert labels(h) == {"sla": "broken"}
    warned = [text for _, level, text in decision.logs if level == "WARN"]
    assert len(warned) == 1 and warned[0].startswith("SLA 'bad' violated: assertion could not "
                                                     "be evaluated: {{ nope.missing }}")
    assert "nope" in warned[0]


def test_a_broken_assertion_with_behavior_none_only_labels():
    flow = HEAD + "sla:\n" + assertion("bad", "NONE", "{{ kv('x') }}",
                                       "    labels:\n      sla: broken\n") + TWO_TASKS
    h = Harness(flow)
    h.start()
    assert h.execution.state is State.RUNNING and labels(h) == {"sla": "broken"}


def test_flow_timeout_fails_and_kills():
    h = Harness(HEAD + "timeout: PT2S\n" + TWO_TASKS)
    started = h.start()
    timer = commands(started, ScheduleTimer)[0]
    assert timer.kind == "flow_timeout" and timer.fire_at == h.now + timedelta(seconds=2)
    decision = fire(h, "flow_timeout")
    assert h.execution.state is State.FAILED
    assert h.execution.error == "execution timed out after PT2S"
    assert set(commands(decision, KillRunningTasks)[0].task_run_ids) == \
        {d.task_run.id for d in h.dispatched}
    assert all(state in ("KILLED", "FAILED") for state in h.states().values())


def test_no_timers_without_sla_or_timeout():
    h = Harness(HEAD + TWO_TASKS)
    assert not commands(h.start(), ScheduleTimer)


def test_an_assertion_on_outputs_of_a_task_not_ended_yet_waits_for_it():
    # Kestra's SLA documentation: sla_demo holds once `mytask` returned 'expected output'
    flow = HEAD + "sla:\n" + assertion(
        "out", "FAIL", "{{ outputs.slow.value == 'expected output' }}") + TWO_TASKS
    h = Harness(flow)
    decision = h.start()
    assert h.execution.state is State.RUNNING
    assert not [text for _, level, text in decision.logs if level == "WARN"]
    h.result(h.dispatched[0], "SUCCESS", {"value": "expected output"})
    assert h.execution.state is State.RUNNING  # held, the other task still runs


def test_an_assertion_reading_a_missing_output_of_an_ended_task_is_violated():
    flow = HEAD + "sla:\n" + assertion("typo", "FAIL", "{{ outputs.slow.valeu == 'x' }}") \
        + TWO_TASKS
    h = Harness(flow)
    h.start()
    assert h.execution.state is State.RUNNING  # `slow` has not ended: no outputs yet
    h.result(h.dispatched[0], "SUCCESS", {"value": "x"})
    assert h.execution.state is State.FAILED


def test_an_assertion_on_a_task_the_flow_does_not_have_is_violated_at_once():
    flow = HEAD + "sla:\n" + assertion("typo", "FAIL", "{{ outputs.slwo.value == 'x' }}") \
        + TWO_TASKS
    h = Harness(flow)
    h.start()
    assert h.execution.state is State.FAILED


AFTER = """afterExecution:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: "{{ execution.state }}"
"""


def test_after_execution_runs_when_an_sla_cancels():
    # Kestra's docs (expressions full reference): a MAX_DURATION SLA with CANCEL ends the
    # execution CANCELLED and the afterExecution task still runs, seeing that state.
    h = Harness(HEAD + max_duration("CANCEL") + TWO_TASKS + AFTER)
    h.start()
    decision = fire(h, "sla_max_duration")
    assert h.execution.state is State.RUNNING  # waits for afterExecution
    assert commands(decision, KillRunningTasks) and not commands(decision, ExecutionEnded)
    alert = h.dispatched[-1]
    assert alert.task_run.task_id == "alert"
    assert alert.context["execution"]["state"] == "CANCELLED"
    assert h.result(h.dispatched[0], "SUCCESS").ignored  # the killed attempt is gone
    ended = h.result(alert, "SUCCESS")
    assert h.execution.state is State.CANCELLED and commands(ended, ExecutionEnded)
    assert h.states()["alert"] == "SUCCESS" and h.states()["slower"] == "CANCELLED"


def test_flow_timeout_runs_after_execution_too():
    h = Harness(HEAD + "timeout: PT1M\n" + TWO_TASKS + AFTER)
    h.start()
    fire(h, "flow_timeout")
    assert h.dispatched[-1].task_run.task_id == "alert"
    h.result(h.dispatched[-1], "SUCCESS")
    assert h.execution.state is State.FAILED
