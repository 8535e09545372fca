"""Flowable resolution in the pure core: Sequential, Parallel, If, Switch, ForEach, Dag."""

from __future__ import annotations

from podium.common.models.state import State
from tests.unit.executor.harness import Harness

HEAD = "id: f\nnamespace: company.team\ntasks:\n"
RET = "io.kestra.plugin.core.debug.Return"
FAIL = "io.kestra.plugin.core.execution.Fail"


def ret(task_id: str, indent: int = 2, fmt: str | None = None) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {RET}\n{pad}  format: \"{fmt or task_id}\"\n"


def fail(task_id: str, indent: int = 2) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {FAIL}\n"


def test_parallel_starts_all_children_at_once():
    h = Harness(HEAD + "  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
                + ret("a", 6) + ret("b", 6) + ret("c", 6) + ret("after"))
    h.start()
    assert sorted(d.task_run.task_id for d in h.dispatched) == ["a", "b", "c"]
    assert h.run() is State.SUCCESS
    assert h.states()["after"] == "SUCCESS"


def test_parallel_concurrent_limits_running_children():
    h = Harness(HEAD + "  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    concurrent: 2\n    tasks:\n"
                + ret("a", 6) + ret("b", 6) + ret("c", 6))
    h.start()
    assert len(h.dispatched) == 2
    h.result(h.dispatched[0], "SUCCESS")
    assert len(h.dispatched) == 3


def test_parallel_fails_fast_without_errors_branch():
    h = Harness(HEAD + "  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
                + fail("a", 6) + ret("b", 6))
    h.start()
    a = next(d for d in h.dispatched if d.task_run.task_id == "a")
    h.result(a, "FAILED")
    assert h.by_task("p")[0].state is State.FAILED
    assert h.execution.state is State.FAILED


def test_flowable_errors_branch_runs_inside_the_flowable():
    h = Harness(HEAD + "  - id: s\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks:\n"
                + fail("a", 6) + "    errors:\n" + ret("handler", 6))
    assert h.run() is State.FAILED
    assert h.states() == {"s": "FAILED", "a": "FAILED", "handler": "SUCCESS"}


def test_allow_failure_flowable_turns_failure_into_warning():
    h = Harness(HEAD + "  - id: s\n    type: io.kestra.plugin.core.flow.AllowFailure\n    tasks:\n"
                + fail("a", 6) + ret("next"))
    assert h.run() is State.WARNING
    assert h.states()["next"] == "SUCCESS"


def test_if_runs_then_or_else_and_records_the_evaluation():
    source = (HEAD + "  - id: check\n    type: io.kestra.plugin.core.flow.If\n    condition: \"{{ inputs.go }}\"\n"
              "    then:\n" + ret("yes", 6) + "    else:\n" + ret("no", 6)
              + "inputs:\n  - id: go\n    type: BOOLEAN\n")
    h = Harness(source, inputs={"go": True})
    assert h.run() is State.SUCCESS
    assert "yes" in h.states() and "no" not in h.states()
    assert h.by_task("check")[0].outputs == {"evaluationResult": True}
    h = Harness(source, inputs={"go": False})
    h.run()
    assert "no" in h.states() and "yes" not in h.states()


def test_an_undefined_variable_fails_the_flowable_with_its_message_in_its_logs():
    # VariablesTest.invalidVars: the failed run's own log line reads "Unable to find ..."
    h = Harness(HEAD + ret("first") + "  - id: check\n    type: io.kestra.plugin.core.flow.If\n"
                "    condition: \"{{ outputs.nothere.value == 'x' }}\"\n    then:\n" + ret("yes", 6))
    h.run()
    check = h.by_task("check")[0]
    assert check.state is State.FAILED and "yes" not in h.states()
    lines = [(run_id, level, message) for d in h.decisions for run_id, level, message in d.logs]
    assert (check.id, "ERROR", "Unable to find `outputs.nothere` used in the expression "
            "`{{ outputs.nothere.value == 'x' }}` at line 1") in lines


def test_switch_picks_the_case_or_defaults():
    source = (HEAD + "  - id: sw\n    type: io.kestra.plugin.core.flow.Switch\n    value: \"{{ inputs.v }}\"\n"
              "    cases:\n      A:\n" + ret("a", 8) + "    defaults:\n" + ret("d", 6)
              + "inputs:\n  - id: v\n    type: STRING\n")
    h = Harness(source, inputs={"v": "A"})
    h.run()
    assert "a" in h.states() and h.by_task("sw")[0].outputs == {"value": "A", "defaults": False}
    h = Harness(source, inputs={"v": "Z"})
    h.run()
    assert "d" in h.states() and h.by_task("sw")[0].outputs["defaults"] is True


def test_for_each_runs_tasks_per_value_sequentially_with_values_on_children():
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n    values: [\"x\", 1, {\"k\": \"v\"}]\n    tasks:\n"
                + ret("one", 6, "{{ taskrun.value }}") + ret("two", 6))
    h.start()
    assert [d.task_run.value for d in h.dispatched] == ["x"]
    assert h.run() is State.SUCCESS
    assert [r.value for r in h.by_task("one")] == ["x", "1", '{"k":"v"}']
    assert len(h.runs) == 7


def test_for_each_null_values_fail_with_kestra_message():
    # Kestra's each-null flow (EachSequentialTest#eachNull): FAILED, one task run, and the
    # log FlowableUtils writes
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
                "    values: '[1, null, {\"key\": \"my-key\", \"value\": \"my-value\"}]'\n"
                "    tasks:\n" + ret("one", 6))
    assert h.run() is State.FAILED
    assert len(h.runs) == 1
    assert any("Found '1' null values on Each, with values=[1, null, {key=my-key, "
               "value=my-value}]" in m for d in h.decisions for _, _, m in d.logs)


def test_for_each_children_are_numbered_as_kestra_numbers_its_resolved_tasks():
    # FlowableUtils.resolveEachTasks: iteration counts (distinct value, task) pairs in order,
    # so `{{ taskrun.iteration }}` renders in ForEach children (the taskruns docs page)
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
                "    values: [\"a\", \"b\", \"a\"]\n    concurrencyLimit: 0\n    tasks:\n"
                + ret("one", 6, "{{ taskrun.iteration }}") + ret("two", 6)
                + "      - id: nested\n        type: io.kestra.plugin.core.flow.Sequential\n"
                "        tasks:\n" + ret("deep", 10))
    assert h.run() is State.SUCCESS
    numbers = sorted((r.iteration, r.task_id, r.value) for r in h.runs.values()
                     if r.iteration is not None)
    assert numbers == [(0, "one", "a"), (1, "two", "a"), (2, "nested", "a"),
                       (3, "one", "b"), (4, "two", "b"), (5, "nested", "b")]
    assert [r.iteration for r in h.by_task("deep")] == [None, None]  # direct children only
    assert [d.context["taskrun"]["iteration"] for d in h.dispatched
            if d.task_run.task_id == "one"] == [0, 3]


def test_for_each_concurrency_limit_zero_starts_every_value():
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n    values: '[1,2,3,4]'\n    concurrencyLimit: 0\n    tasks:\n"
                + ret("one", 6) + ret("two", 6))
    h.start()
    assert sorted(d.task_run.value for d in h.dispatched) == ["1", "2", "3", "4"]
    assert all(d.task_run.task_id == "one" for d in h.dispatched)
    assert h.run() is State.SUCCESS


def test_for_each_outputs_are_keyed_by_value():
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n    values: [a, b]\n    tasks:\n"
                + ret("r", 6, "{{ taskrun.value }}") + ret("after", 2, "{{ outputs.r.b.value }}"))
    h.run(lambda d: ("SUCCESS", {"value": d.task_run.value or d.context["outputs"]["r"]["b"]["value"]}))
    assert h.dispatched[-1].context["outputs"]["r"] == {"a": {"value": "a"}, "b": {"value": "b"}}


def test_for_each_over_empty_values_succeeds():
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n    values: []\n    tasks:\n" + ret("r", 6))
    assert h.run() is State.SUCCESS
    assert h.states() == {"each": "SUCCESS"}


def test_dag_respects_dependencies():
    source = (HEAD + "  - id: dag\n    type: io.kestra.plugin.core.flow.Dag\n    tasks:\n"
              f"      - task: {{id: a, type: {RET}, format: a}}\n"
              f"      - task: {{id: b, type: {RET}, format: b}}\n        dependsOn: [a]\n"
              f"      - task: {{id: c, type: {RET}, format: c}}\n        dependsOn: [a]\n"
              f"      - task: {{id: d, type: {RET}, format: d}}\n        dependsOn: [b, c]\n")
    h = Harness(source)
    h.start()
    assert [d.task_run.task_id for d in h.dispatched] == ["a"]
    h.result(h.dispatched[0], "SUCCESS")
    assert sorted(d.task_run.task_id for d in h.dispatched[1:]) == ["b", "c"]
    assert h.run() is State.SUCCESS
    assert h.states()["d"] == "SUCCESS"
