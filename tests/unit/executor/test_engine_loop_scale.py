"""Loops at scale in the pure core: finished iterations are folded out of the working set,
values are read a window at a time, and what comes after the loop still sees every
iteration's outputs."""

from __future__ import annotations

from podium.common.messages import RestartExecution
from podium.common.models.state import State
from podium.common.templating import render
from podium.executor.engine.commands import StoreLoopValues
from tests.unit.executor.harness import Harness
from tests.unit.executor.test_engine_restart import Broken, drive, replayed

RET = "io.kestra.plugin.core.debug.Return"


def for_each(n: int, limit: int, children: str, after: str = "", outputs: str = "") -> str:
    return f"""id: wide
namespace: company.team
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ range(1, {n}) }}}}"
    concurrencyLimit: {limit}
    tasks:
{children}{after}{outputs}"""


STEP = f"""      - id: step
        type: {RET}
        format: "v{{{{ taskrun.value }}}}"
"""


def rendering(dispatch):
    """A worker that renders Return's format with the context the executor sent."""
    return "SUCCESS", {"value": render(dispatch.task["format"], dispatch.context)}


def test_the_working_set_stays_small_while_a_wide_loop_runs():
    h = Harness(for_each(2000, 10, STEP))
    assert h.run() is State.SUCCESS
    assert len(h.by_task("step")) == 2000
    assert all(run.state is State.SUCCESS for run in h.by_task("step"))
    # the loop run, the running iterations, the ones that just ended: never the 2,000.
    assert max(h.live_sizes) <= 12
    [each] = h.by_task("each")
    assert each.flowable.loop["done"] == {"SUCCESS": 2000}
    assert "values" not in each.flowable.stored()  # stored apart, not in the task run
    assert h.folded_loads == []  # nothing rendered needed a past iteration


def test_values_are_stored_once_and_read_a_window_at_a_time():
    h = Harness(for_each(50, 5, STEP))
    h.run()
    stores = [c for d in h.decisions for c in d.commands if isinstance(c, StoreLoopValues)]
    assert len(stores) == 1 and stores[0].values == tuple(str(i) for i in range(1, 51))
    assert [r.value for r in h.by_task("step")] == [str(i) for i in range(1, 51)]


def test_a_task_after_the_loop_sees_every_iteration_output():
    after = f"""  - id: total
    type: {RET}
    format: "{{{{ outputs.step | length }}}} {{{{ outputs.step['777'].value }}}}"
"""
    outputs = """outputs:
  - id: last
    type: STRING
    value: "{{ outputs.step['1000'].value }}"
"""
    h = Harness(for_each(1000, 20, STEP, after, outputs))
    assert h.run(rendering) is State.SUCCESS
    [total] = h.by_task("total")
    assert total.outputs == {"value": "1000 v777"}
    assert h.execution.outputs == {"last": "v1000"}
    assert h.folded_loads and all(loads == {"step", "each"} for loads in h.folded_loads)


def test_a_sibling_of_the_same_iteration_is_read_without_loading_past_ones():
    children = STEP + f"""      - id: echo
        type: {RET}
        format: "{{{{ outputs.step[taskrun.value].value }}}}"
"""
    h = Harness(for_each(300, 7, children))
    assert h.run(rendering) is State.SUCCESS
    assert sorted(r.outputs["value"] for r in h.by_task("echo")) == \
        sorted(f"v{i}" for i in range(1, 301))
    assert h.folded_loads == []
    assert max(h.live_sizes) <= 2 * 7 + 4


def test_nested_loops_fold_and_key_outputs_by_both_values():
    source = f"""id: nested
namespace: company.team
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: [1, 2, 3, 4]
        concurrencyLimit: 2
        tasks:
          - id: leaf
            type: {RET}
            format: "{{{{ parent.taskrun.value }}}}-{{{{ taskrun.value }}}}"
  - id: after
    type: {RET}
    format: "{{{{ outputs.leaf['b']['3'].value }}}} {{{{ outputs.leaf | length }}}}"
"""
    h = Harness(source)
    assert h.run(rendering) is State.SUCCESS
    assert len(h.by_task("leaf")) == 12
    [after] = h.by_task("after")
    assert after.outputs == {"value": "b-3 3"}


def test_restart_of_one_failed_iteration_out_of_1000_reruns_only_it():
    h = Harness(for_each(1000, 0, STEP))
    worker = Broken("step", value="500")
    assert h.run(worker) is State.FAILED
    before = {run.id: run for run in h.by_task("step") if run.value != "500"}
    assert len(before) == 999 and all(r.state is State.SUCCESS for r in before.values())
    since = len(h.dispatched)
    h.send(RestartExecution(execution_id=h.execution.id))
    assert drive(h, Broken(), since) is State.SUCCESS
    again = h.dispatched[since:]
    assert [(d.task_run.task_id, d.task_run.value, d.attempt) for d in again] == \
        [("step", "500", 2)]
    after = {run.id: run for run in h.by_task("step") if run.value != "500"}
    assert {i: (r.outputs, r.attempts) for i, r in after.items()} == \
        {i: (r.outputs, r.attempts) for i, r in before.items()}
    [each] = h.by_task("each")
    assert each.flowable.loop["done"] == {"SUCCESS": 1000}


def test_replay_from_a_finished_iteration_of_a_wide_loop_runs_it_again():
    source = for_each(200, 10, STEP)
    h = Harness(source)
    assert h.run() is State.SUCCESS
    [chosen] = [run for run in h.by_task("step") if run.value == "42"]
    assert chosen.folded
    r = replayed(h, source, chosen.id)
    assert len(r.runs) == 200  # the loop and the 199 other iterations
    r.start()
    assert drive(r, Broken(), 0) is State.SUCCESS
    assert [(d.task_run.task_id, d.task_run.value) for d in r.dispatched] == [("step", "42")]
    [each] = r.by_task("each")
    assert each.flowable.loop["done"] == {"SUCCESS": 200}


def test_restart_after_a_failure_that_stopped_a_limited_loop_finishes_it():
    h = Harness(for_each(300, 10, STEP))
    assert h.run(Broken("step", value="100")) is State.FAILED
    started = len(h.by_task("step"))
    assert 100 <= started < 300
    since = len(h.dispatched)
    h.send(RestartExecution(execution_id=h.execution.id))
    assert drive(h, Broken(), since) is State.SUCCESS
    again = [(d.task_run.value, d.attempt) for d in h.dispatched[since:]]
    assert again[0] == ("100", 2)
    assert sorted(int(v) for v, _ in again[1:]) == list(range(started + 1, 301))
    assert len(h.by_task("step")) == 300


def test_an_iteration_reading_another_iterations_output_gets_it_from_folded_runs():
    children = STEP + f"""      - id: first
        type: {RET}
        format: "{{{{ outputs.step['1'].value }}}}/{{{{ outputs.step[taskrun.value].value }}}}"
"""
    h = Harness(for_each(120, 4, children))
    assert h.run(rendering) is State.SUCCESS
    firsts = {r.value: r.outputs["value"] for r in h.by_task("first")}
    assert firsts == {str(i): f"v1/v{i}" for i in range(1, 121)}
    assert h.folded_loads  # later iterations needed the folded runs of `step`


def test_only_references_subscripted_by_the_current_value_are_iteration_local():
    from podium.executor.engine.folding import reads_only_this_iteration as local
    assert local("{{ outputs.a[taskrun.value].value }}", "a")
    assert local("{{ outputs['a'] [ taskrun.value ].v }} {% if tasks.a[taskrun.value] %}", "a")
    assert local("{{ outputs.a[parent.taskrun.value][taskrun.value].v }}", "a")
    assert local("a plain mention of a outside expressions {{ taskrun.value }}", "a")
    assert not local("{{ outputs.a['x'].value }}", "a")
    assert not local("{{ outputs.a | length }}", "a")
    assert not local("{{ outputs.a[taskrun.value].v }} {{ outputs.a }}", "a")
    assert not local("{{ outputs.ab[taskrun.value].v ~ outputs.a }}", "a")


NESTED = f"""id: nested
namespace: company.team
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: [1, 2, 3]
        tasks:
          - id: leaf
            type: {RET}
            format: "{{{{ parent.taskrun.value }}}}-{{{{ taskrun.value }}}}"
"""


def test_replay_from_a_nested_finished_iteration_reopens_only_its_own_iterations():
    h = Harness(NESTED)
    assert h.run(rendering) is State.SUCCESS
    [chosen] = [r for r in h.by_task("leaf") if r.value == "2"
                and h.runs[r.parent_task_run_id].value == "b"]
    r = replayed(h, NESTED, chosen.id)
    live = [run for run in r.runs.values() if not run.folded]
    # The outer loop and b's inner loop run again; every other iteration (a's, b-1, b-3)
    # is copied folded, still counted by its loop.
    assert sorted((run.task_id, run.value) for run in live) == [("inner", "b"), ("outer", None)]
    assert len(r.runs) == 1 + 2 + 3 + 2
    r.start()
    assert drive(r, rendering, 0) is State.SUCCESS
    assert [d.task_run.value for d in r.dispatched] == ["2"]
    [outer] = r.by_task("outer")
    assert outer.flowable.loop["done"] == {"SUCCESS": 2}
    inner_b = [run for run in r.by_task("inner") if run.value == "b"][0]
    assert inner_b.flowable.loop["done"] == {"SUCCESS": 3}


def test_set_state_of_a_folded_run_reopens_its_iteration_and_recounts_it():
    from podium.common.messages import SetTaskRunState
    h = Harness(for_each(30, 5, STEP))
    assert h.run() is State.SUCCESS
    [chosen] = [run for run in h.by_task("step") if run.value == "7"]
    assert chosen.folded
    decision = h.send(SetTaskRunState(execution_id=h.execution.id, task_run_id=chosen.id,
                                      state=State.WARNING))
    assert decision.ignored is None, decision.ignored
    assert h.execution.state is State.WARNING
    [each] = h.by_task("each")
    assert each.flowable.loop["done"] == {"SUCCESS": 29, "WARNING": 1}
    assert h.runs[chosen.id].folded and h.runs[chosen.id].state is State.WARNING
