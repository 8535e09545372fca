"""WorkingDirectory in the pure core: one dispatch, children recorded from the TaskResult."""

from __future__ import annotations

from podium.common.messages import TaskResult
from podium.common.models.state import State
from tests.unit.executor.harness import Harness

HEAD = "id: f\nnamespace: company.team\ntasks:\n"
WD = "io.kestra.plugin.core.flow.WorkingDirectory"
RET = "io.kestra.plugin.core.debug.Return"

FLOW = (HEAD + f"  - id: wd\n    type: {WD}\n    tasks:\n"
        f"      - id: a\n        type: {RET}\n        format: a\n"
        f"      - id: b\n        type: {RET}\n        format: b\n"
        f"  - id: after\n    type: {RET}\n    format: \"{{{{ outputs.b.value }}}}\"\n")


def child(task_id, state="SUCCESS", outputs=None, run_id=None):
    return {"id": run_id or f"run-{task_id}", "task_id": task_id, "state": state,
            "outputs": outputs, "started": "2024-01-01T00:00:01+00:00",
            "ended": "2024-01-01T00:00:02+00:00"}


def answer(h, dispatch, state, children):
    return h.send(TaskResult(execution_id=h.execution.id, task_run_id=dispatch.task_run.id,
                             attempt=dispatch.attempt, state=state, children=children))


def test_the_whole_working_directory_is_one_dispatch():
    h = Harness(FLOW)
    h.start()
    assert [d.task_run.task_id for d in h.dispatched] == ["wd"]
    assert [t["id"] for t in h.dispatched[0].task["tasks"]] == ["a", "b"]


def test_children_become_task_runs_and_the_parent_folds_them():
    h = Harness(FLOW)
    h.start()
    answer(h, h.dispatched[0], "SUCCESS", [child("a", outputs={"value": "a"}),
                                           child("b", "WARNING", {"value": "b"})])
    wd = h.by_task("wd")[0]
    a, b = h.by_task("a")[0], h.by_task("b")[0]
    assert (a.id, a.parent_task_run_id, a.state) == ("run-a", wd.id, State.SUCCESS)
    assert b.state is State.WARNING and b.outputs == {"value": "b"}
    assert [h.state.value for h in b.history.histories] == ["CREATED", "RUNNING", "WARNING"]
    assert len(b.attempts) == 1 and b.attempts[0].state is State.WARNING
    assert wd.state is State.WARNING
    after = h.dispatched[-1]
    assert after.task_run.task_id == "after" and after.context["outputs"]["b"] == {"value": "b"}
    h.result(after, "SUCCESS")
    assert h.execution.state is State.WARNING


def test_a_failed_child_fails_the_working_directory_and_the_execution():
    h = Harness(FLOW)
    h.start()
    answer(h, h.dispatched[0], "FAILED", [child("a", "FAILED")])
    assert h.states() == {"wd": "FAILED", "a": "FAILED"}
    assert h.execution.state is State.FAILED


def test_errors_of_the_working_directory_run_in_the_executor():
    h = Harness(HEAD + f"  - id: wd\n    type: {WD}\n    tasks:\n"
                f"      - id: a\n        type: {RET}\n        format: a\n"
                f"    errors:\n      - id: handler\n        type: {RET}\n        format: h\n")
    h.start()
    answer(h, h.dispatched[0], "FAILED", [child("a", "FAILED")])
    assert h.by_task("wd")[0].state is State.RUNNING
    handler = h.dispatched[-1]
    assert handler.task_run.task_id == "handler"
    assert handler.task_run.parent_task_run_id == h.by_task("wd")[0].id
    h.result(handler, "SUCCESS")
    assert h.states() == {"wd": "FAILED", "a": "FAILED", "handler": "SUCCESS"}
    assert h.execution.state is State.FAILED


def test_a_duplicate_result_creates_no_second_set_of_children():
    h = Harness(FLOW)
    h.start()
    children = [child("a"), child("b")]
    answer(h, h.dispatched[0], "SUCCESS", children)
    decision = answer(h, h.dispatched[0], "SUCCESS", children)
    assert decision.ignored and len(h.by_task("a")) == 1


def test_working_directory_in_a_loop_runs_once_per_value():
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
                "    values: [\"x\", \"y\"]\n    concurrencyLimit: 0\n    tasks:\n"
                f"      - id: wd\n        type: {WD}\n        tasks:\n"
                f"          - id: a\n            type: {RET}\n            format: a\n")
    h.start()
    assert [d.context["taskrun"]["value"] for d in h.dispatched] == ["x", "y"]
    for n, dispatch in enumerate(list(h.dispatched)):
        answer(h, dispatch, "SUCCESS", [child("a", run_id=f"a{n}", outputs={"value": n})])
    assert h.execution.state is State.SUCCESS
    assert [r.parent_task_run_id for r in h.by_task("a")] == [r.id for r in h.by_task("wd")]
