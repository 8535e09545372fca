"""The pure executor core on plain task lists: order, errors, finally, allowFailure, runIf,
disabled tasks, outputs, retries, kill, duplicates and stale results."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.models.state import State
from tests.unit.executor.harness import Harness

HEAD = "id: f\nnamespace: company.team\n"


def task(task_id: str, kind: str = "Return", extra: str = "") -> str:
    types = {"Return": "io.kestra.plugin.core.debug.Return", "Fail": "io.kestra.plugin.core.execution.Fail",
             "Log": "io.kestra.plugin.core.log.Log"}
    body = {"Return": f"    format: '{task_id}'\n", "Fail": "", "Log": "    message: hi\n"}[kind]
    return f"  - id: {task_id}\n    type: {types[kind]}\n{body}{extra}"


def flow(*tasks: str, errors: tuple[str, ...] = (), finally_: tuple[str, ...] = (), tail: str = "") -> str:
    text = HEAD + "tasks:\n" + "".join(tasks)
    if errors:
        text += "errors:\n" + "".join(errors)
    if finally_:
        text += "finally:\n" + "".join(finally_)
    return text + tail


def test_tasks_run_one_after_another():
    h = Harness(flow(task("a"), task("b"), task("c")))
    h.start()
    assert [d.task_run.task_id for d in h.dispatched] == ["a"]
    h.result(h.dispatched[0], "SUCCESS", {"value": "a"})
    assert [d.task_run.task_id for d in h.dispatched] == ["a", "b"]
    assert h.run() is State.SUCCESS
    assert h.states() == {"a": "SUCCESS", "b": "SUCCESS", "c": "SUCCESS"}


def test_execution_history_is_created_running_success():
    h = Harness(flow(task("a")))
    h.run()
    assert [e.state for e in h.execution.history.histories] == [State.CREATED, State.RUNNING, State.SUCCESS]
    run = h.by_task("a")[0]
    assert [e.state for e in run.history.histories] == [State.CREATED, State.RUNNING, State.SUCCESS]
    assert len(run.attempts) == 1 and run.attempts[0].state is State.SUCCESS


def test_failure_stops_main_tasks_and_runs_errors():
    h = Harness(flow(task("a", "Fail"), task("b"), errors=(task("e1"), task("e2"))))
    assert h.run() is State.FAILED
    assert h.states() == {"a": "FAILED", "e1": "SUCCESS", "e2": "SUCCESS"}


def test_finally_runs_after_failure_and_success():
    h = Harness(flow(task("a", "Fail"), finally_=(task("z"),)))
    assert h.run() is State.FAILED
    assert h.states()["z"] == "SUCCESS"
    h = Harness(flow(task("a"), finally_=(task("z"),)))
    assert h.run() is State.SUCCESS and h.states()["z"] == "SUCCESS"


def test_allow_failure_gives_warning_and_continues():
    h = Harness(flow(task("a", "Fail", "    allowFailure: true\n"), task("b")))
    assert h.run() is State.WARNING
    assert h.states() == {"a": "WARNING", "b": "SUCCESS"}


def test_allow_failure_and_allow_warning_give_success():
    h = Harness(flow(task("a", "Fail", "    allowFailure: true\n    allowWarning: true\n")))
    assert h.run() is State.SUCCESS


def test_run_if_false_skips_and_flow_succeeds():
    h = Harness(flow(task("a", extra="    runIf: \"{{ 1 == 2 }}\"\n"), task("b")))
    assert h.run() is State.SUCCESS
    assert h.states() == {"a": "SKIPPED", "b": "SUCCESS"}
    assert len(h.dispatched) == 1


def test_when_is_runif_as_kestra_2_names_it():
    # Kestra 2.0 migration guide (runIf renamed to when): same rendering, same SKIPPED.
    h = Harness(flow(task("a", extra="    when: \"{{ 1 == 2 }}\"\n"), task("b")))
    assert h.run() is State.SUCCESS
    assert h.states() == {"a": "SKIPPED", "b": "SUCCESS"}


def test_when_and_runif_together_are_refused():
    with pytest.raises(FlowValidationError, match="`when` and `runIf` are one property"):
        Harness(flow(task("a", extra="    when: \"{{ true }}\"\n    runIf: \"{{ true }}\"\n")))


def test_run_if_render_error_fails_the_task():
    h = Harness(flow(task("a", extra="    runIf: \"{{ nope.x }}\"\n"), task("b")))
    assert h.run() is State.FAILED
    assert h.states() == {"a": "FAILED"}


def test_disabled_task_is_absent():
    h = Harness(flow(task("a"), task("b", extra="    disabled: true\n"), task("c")))
    assert h.run() is State.SUCCESS
    assert list(h.states()) == ["a", "c"]


def test_outputs_reach_later_tasks_and_flow_outputs():
    source = flow(task("a"), "  - id: b\n    type: io.kestra.plugin.core.debug.Return\n    format: \"{{ outputs.a.value }}!\"\n",
                  tail="outputs:\n  - id: out\n    type: STRING\n    value: \"{{ outputs.a.value }}\"\n")
    h = Harness(source)
    h.run(lambda d: ("SUCCESS", {"value": "A"}))
    assert h.dispatched[1].context["outputs"]["a"] == {"value": "A"}
    assert h.execution.outputs == {"out": "A"}


def test_bad_flow_output_fails_the_execution():
    h = Harness(flow(task("a"), tail="outputs:\n  - id: out\n    type: INT\n    value: \"{{ outputs.a.value }}\"\n"))
    assert h.run(lambda d: ("SUCCESS", {"value": "not a number"})) is State.FAILED
    assert h.execution.error


def test_duplicate_result_is_ignored():
    h = Harness(flow(task("a"), task("b")))
    h.start()
    first = h.result(h.dispatched[0], "SUCCESS")
    assert first.ignored is None
    again = h.result(h.dispatched[0], "SUCCESS")
    assert again.ignored and "duplicate" in again.ignored
    assert not again.created and not again.updated and not again.commands
    assert len([d for d in h.dispatched if d.task_run.task_id == "b"]) == 1


def test_stale_attempt_is_rejected():
    h = Harness(flow(task("a", "Fail", "    retry:\n      type: constant\n      interval: PT1S\n      maxAttempt: 3\n")))
    h.start()
    h.result(h.dispatched[0], "FAILED")
    h.fire_timers()
    assert h.dispatched[-1].attempt == 2
    stale = h.result(h.dispatched[0], "SUCCESS", attempt=1)
    assert stale.ignored and "stale" in stale.ignored
    assert h.by_task("a")[0].state is State.RUNNING


def test_retry_constant_until_max_attempt():
    h = Harness(flow(task("a", "Fail", "    retry:\n      type: constant\n      interval: PT1S\n      maxAttempt: 3\n")))
    assert h.run() is State.FAILED
    run = h.by_task("a")[0]
    assert len(run.attempts) == 3
    assert run.history.entered(State.RETRYING) == 2
    assert h.execution.history.entered(State.RETRYING) == 2


def test_retry_then_success_with_warning_on_retry():
    answers = iter(["FAILED", "SUCCESS"])
    h = Harness(flow(task("a", "Log", "    retry:\n      type: constant\n      interval: PT1S\n      maxAttempt: 3\n      warningOnRetry: true\n")))
    assert h.run(lambda d: (next(answers), None)) is State.WARNING


def test_retry_delay_is_a_timer_owned_by_the_executor():
    h = Harness(flow(task("a", "Fail", "    retry:\n      type: exponential\n      interval: PT10S\n      maxInterval: PT1M\n      maxAttempt: 5\n")))
    h.start()
    failed_at = h.now
    h.result(h.dispatched[0], "FAILED")
    assert len(h.timers) == 1 and h.timers[0].kind == "retry"
    assert (h.timers[0].fire_at - failed_at).total_seconds() >= 10


def test_flow_level_retry_applies_to_tasks_without_their_own():
    h = Harness(flow(task("a", "Fail"), tail="retry:\n  type: constant\n  interval: PT1S\n  maxAttempt: 2\n"))
    assert h.run() is State.FAILED
    assert len(h.by_task("a")[0].attempts) == 2


def test_kill_marks_running_tasks_killed_and_asks_workers_to_stop():
    h = Harness(flow(task("a"), task("b")))
    h.start()
    decision = h.kill()
    assert h.execution.state is State.KILLED
    assert h.by_task("a")[0].state is State.KILLED
    assert any(type(c).__name__ == "KillRunningTasks" for c in decision.commands)
    late = h.result(h.dispatched[0], "SUCCESS")
    assert late.ignored
    assert h.kill().ignored


def test_labels_from_a_task_result_merge_into_the_execution():
    h = Harness(flow(task("a")))
    h.start()
    from podium.common.messages import TaskResult
    h.send(TaskResult(execution_id=h.execution.id, task_run_id=h.dispatched[0].task_run.id, attempt=1,
                      state="SUCCESS", labels=[{"key": "team", "value": "data"}]))
    assert h.execution.label_map()["team"] == "data"


def test_after_execution_sees_the_final_state_and_does_not_change_it():
    source = flow(task("a", "Fail")) + "afterExecution:\n" + task("notify", "Log", "    runIf: \"{{ execution.state == 'FAILED' }}\"\n")
    h = Harness(source)
    assert h.run() is State.FAILED
    assert h.states()["notify"] == "SUCCESS"


def test_after_execution_sees_the_flow_outputs_as_execution_outputs():
    # Kestra: execution.outputs, populated once the execution's outputs are rendered
    source = flow(task("a")) + ("outputs:\n  - id: o\n    type: STRING\n"
                                "    value: \"{{ outputs.a.value }}!\"\n") + "afterExecution:\n" + \
        task("notify", "Log", "    runIf: \"{{ execution.outputs.o == 'a!' }}\"\n")
    h = Harness(source)
    assert h.run() is State.SUCCESS
    assert h.states()["notify"] == "SUCCESS"
    notify = [d for d in h.dispatched if d.task_run.task_id == "notify"][0]
    assert notify.context["execution"]["outputs"] == {"o": "a!"}


def test_create_new_execution_retry_ends_retried_and_creates_the_next_attempt_once():
    from podium.executor.engine.commands import CreateExecution
    h = Harness(flow(task("a", "Fail", "    retry:\n      type: constant\n      interval: PT1S\n      maxAttempt: 3\n      behavior: CREATE_NEW_EXECUTION\n")))
    h.start()
    h.result(h.dispatched[0], "FAILED")
    assert h.execution.state is State.RETRIED
    assert h.by_task("a")[0].state is State.RETRIED
    assert [t.kind for t in h.timers] == ["new_execution"]
    from podium.common.messages import TimerFired
    fired = TimerFired(execution_id=h.execution.id, timer_id="t", timer_kind="new_execution")
    created = [c for c in h.send(fired).commands if isinstance(c, CreateExecution)]
    assert len(created) == 1
    retry = created[0].execution
    assert (retry.parent_id, retry.original_id, retry.attempt_number) == (h.execution.id, h.execution.id, 2)
    assert retry.flow_revision == h.execution.flow_revision and retry.state is State.CREATED
    assert h.send(fired).ignored, "a redelivered timer creates nothing twice"


def test_create_new_execution_stops_at_max_attempt():
    h = Harness(flow(task("a", "Fail", "    retry:\n      type: constant\n      interval: PT1S\n      maxAttempt: 2\n      behavior: CREATE_NEW_EXECUTION\n")))
    h.execution = h.execution.model_copy(update={"attempt_number": 2})
    assert h.run() is State.FAILED


def test_a_killed_execution_runs_its_after_execution_tasks_then_ends_killed():
    # Kestra runs afterExecution once the execution is terminated, KILLED included (its
    # docs' example: runIf "{{ execution.state isIn ['SUCCESS', 'KILLED', 'CANCELLED'] }}").
    from podium.executor.engine.commands import KillChildren, KillRunningTasks
    source = flow(task("a"), task("b")) + "afterExecution:\n" + task("notify", "Log")
    h = Harness(source)
    h.start()
    running = h.dispatched[0]
    decision = h.kill()
    assert h.execution.state is State.RUNNING  # waits for afterExecution
    assert any(isinstance(c, KillRunningTasks) for c in decision.commands)
    assert any(isinstance(c, KillChildren) for c in decision.commands)
    notify = h.dispatched[-1]
    assert notify.task_run.task_id == "notify" and notify.context["execution"]["state"] == "KILLED"
    assert h.result(running, "SUCCESS").ignored  # the killed attempt's late result
    h.result(notify, "SUCCESS")
    assert h.execution.state is State.KILLED
    assert h.states() == {"a": "KILLED", "notify": "SUCCESS"}


def test_a_second_kill_stops_the_after_execution_tasks_too():
    source = flow(task("a")) + "afterExecution:\n" + task("notify", "Log")
    h = Harness(source)
    h.start()
    h.kill()
    h.kill()
    assert h.execution.state is State.KILLED
    assert h.states() == {"a": "KILLED", "notify": "KILLED"}


def test_a_copy_of_the_kill_does_not_stop_the_after_execution_tasks():
    # The same KillExecution delivered twice is one kill, not the second kill above.
    from podium.common.messages import KillExecution
    source = flow(task("a")) + "afterExecution:\n" + task("notify", "Log")
    h = Harness(source)
    h.start()
    message = KillExecution(execution_id=h.execution.id)
    h.send(message)
    assert h.send(message).ignored
    assert h.states() == {"a": "KILLED", "notify": "RUNNING"}
    h.result(h.dispatched[-1], "SUCCESS")
    assert h.execution.state is State.KILLED
    assert h.states() == {"a": "KILLED", "notify": "SUCCESS"}
