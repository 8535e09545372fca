"""Flowable tasks nested in each other, and a wide loop, through real executor and worker
processes on PostgreSQL and Redis."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from podium.common.models.state import State
from podium.common.store.executions import list_children
from podium.common.store.schema import loop_values, task_runs
from tests.integration.conftest import (
    deploy,
    finish,
    runs_by_task,
    start_runtime,
    stop_runtime,
    wait_for,
)

pytestmark = pytest.mark.service

RET = "io.kestra.plugin.core.debug.Return"

SWITCH_PARALLEL_FOREACH = f"""
id: nested
namespace: it.flowables
inputs:
  - id: route
    type: STRING
tasks:
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{{{ inputs.route }}}}"
    cases:
      fan:
        - id: parallel
          type: io.kestra.plugin.core.flow.Parallel
          tasks:
            - id: each
              type: io.kestra.plugin.core.flow.ForEach
              values: ["x", "y", "z"]
              concurrencyLimit: 2
              tasks:
                - id: item
                  type: {RET}
                  format: "item {{{{ taskrun.value }}}}"
            - id: side
              type: {RET}
              format: side
    defaults:
      - id: fallback
        type: {RET}
        format: fallback
  - id: after
    type: {RET}
    format: "{{{{ outputs.route.value }}}}"
"""

ERRORS_IN_ITERATION = f"""
id: iteration_errors
namespace: it.flowables
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    tasks:
      - id: step
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: maybe_fail
            type: io.kestra.plugin.core.execution.Fail
            condition: "{{{{ parent.taskrun.value == 'b' }}}}"
        errors:
          - id: handled
            type: {RET}
            format: "handled {{{{ parent.taskrun.value }}}}"
"""

CHILD = """
id: failing_child
namespace: it.flowables
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
"""

ALLOW_FAILURE_SUBFLOW = f"""
id: tolerant_parent
namespace: it.flowables
tasks:
  - id: tolerant
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: call
        type: io.kestra.plugin.core.flow.Subflow
        namespace: it.flowables
        flowId: failing_child
  - id: after
    type: {RET}
    format: carried on
"""

WIDE = f"""
id: wide
namespace: it.flowables
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ range(1, 1200) }}}}"
    concurrencyLimit: 100
    tasks:
      - id: step
        type: {RET}
        format: "v{{{{ taskrun.value }}}}"
  - id: total
    type: {RET}
    format: "{{{{ outputs.step | length }}}} {{{{ outputs.step['1150'].value }}}}"
"""

RESTARTABLE = """
id: one_bad_item
namespace: it.flowables
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 600) }}"
    concurrencyLimit: 0
    tasks:
      - id: step
        type: io.kestra.plugin.core.execution.Fail
        # Fails the first attempt of item 300 only: a restart's new attempt passes.
        condition: "{{ taskrun.value == '300' and taskrun.attemptsCount == 0 }}"
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "flowables:", executors=1, workers=1,
                               worker_concurrency=8)
    for source in (SWITCH_PARALLEL_FOREACH, ERRORS_IN_ITERATION, CHILD, ALLOW_FAILURE_SUBFLOW,
                   WIDE, RESTARTABLE):
        deploy(runtime, source)
    yield runtime
    stop_runtime(deployment, runtime)


def test_foreach_in_parallel_in_switch(runtime):
    done = finish(runtime, runtime.submit("it.flowables", "nested", {"route": "fan"}).id)
    assert done.state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(done.id))
    assert sorted(r.value for r in runs["item"]) == ["x", "y", "z"]
    assert "fallback" not in runs and runs["side"][0].state is State.SUCCESS
    assert {r.value: r.outputs for r in runs["item"]}["y"] == {"value": "item y"}
    assert runs["after"][0].outputs == {"value": "fan"}
    other = finish(runtime, runtime.submit("it.flowables", "nested", {"route": "other"}).id)
    assert other.state is State.SUCCESS
    assert set(runs_by_task(runtime.task_runs(other.id))) == {"route", "fallback", "after"}


def test_errors_branch_inside_a_foreach_iteration(runtime):
    done = finish(runtime, runtime.submit("it.flowables", "iteration_errors").id)
    assert done.state is State.FAILED
    runs = runs_by_task(runtime.task_runs(done.id))
    [handled] = runs["handled"]
    assert handled.outputs == {"value": "handled b"} and handled.state is State.SUCCESS
    states = {r.value: r.state for r in runs["step"]}
    assert states == {"a": State.SUCCESS, "b": State.FAILED}  # one at a time: c never starts
    assert runs["each"][0].state is State.FAILED


def test_a_failing_subflow_under_allow_failure_warns_and_the_flow_goes_on(runtime):
    done = finish(runtime, runtime.submit("it.flowables", "tolerant_parent").id)
    assert done.state is State.WARNING
    runs = runs_by_task(runtime.task_runs(done.id))
    assert runs["call"][0].state is State.FAILED
    assert runs["tolerant"][0].state is State.WARNING
    assert runs["after"][0].outputs == {"value": "carried on"}
    child_id = runs["call"][0].outputs["executionId"]
    assert runtime.get(child_id).state is State.FAILED


def test_a_wide_foreach_folds_its_iterations_and_still_sees_every_output(runtime):
    done = finish(runtime, runtime.submit("it.flowables", "wide").id, timeout=120)
    assert done.state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(done.id))
    assert len(runs["step"]) == 1200
    assert all(r.state is State.SUCCESS for r in runs["step"])
    assert runs["total"][0].outputs == {"value": "1200 v1150"}
    with runtime.db.read() as conn:
        folded = conn.execute(select(func.count()).where(
            task_runs.c.execution_id == done.id, task_runs.c.folded)).scalar_one()
        chunks = conn.execute(select(func.count()).where(
            loop_values.c.execution_id == done.id)).scalar_one()
    # over 1,000 values: two chunks of loop values (common/store/loop_values.py)
    assert folded == 1200 and chunks == 2


def test_restart_of_one_failed_iteration_out_of_600(runtime):
    # Over 500 runs: the store reads and writes them in more than one chunk.
    failed = finish(runtime, runtime.submit("it.flowables", "one_bad_item").id, timeout=240)
    assert failed.state is State.FAILED

    def every_step_ended():  # the loop fails at once; its other iterations still end
        steps = [r for r in runtime.task_runs(failed.id) if r.task_id == "step"]
        return steps if all(r.state.is_terminated for r in steps) else None
    before = {r.id: r for r in wait_for(every_step_ended, 180, "every iteration to end")}
    assert len(before) == 600
    [bad] = [r for r in before.values() if r.state is State.FAILED]
    assert bad.value == "300"
    runtime.restart(failed.id)

    def second_attempt_ended():
        current = runtime.get(failed.id)
        return current if current.attempt_number == 2 and current.state.is_terminated else None
    done = wait_for(second_attempt_ended, 180, "the restarted execution to end")
    assert done.state is State.SUCCESS
    after = {r.id: r for r in runtime.task_runs(failed.id) if r.task_id == "step"}
    assert after.keys() == before.keys()
    assert [a.number for a in after[bad.id].attempts] == [1, 2]
    untouched = {i: (r.attempts, r.outputs, r.history) for i, r in before.items() if i != bad.id}
    assert {i: (r.attempts, r.outputs, r.history) for i, r in after.items() if i != bad.id} \
        == untouched


BATCH_CHILD = """
id: batch_child
namespace: it.flowables
inputs:
  - id: items
    type: STRING
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.items) | trim }}"
outputs:
  - id: lines
    type: STRING
    value: "{{ outputs.count.value }}"
"""

FOR_EACH_ITEM = """
id: batches
namespace: it.flowables
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      rows: 3
    namespace: it.flowables
    flowId: batch_child
    inputs:
      items: "{{ taskrun.items }}"
  - id: merged
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.each_merge.subflowOutputs) }}"
  - id: logs
    type: io.kestra.plugin.core.log.Fetch
    level: DEBUG
    tasksId: [merged]
"""


def test_for_each_item_runs_one_child_per_batch_and_merges_their_outputs(runtime):
    from podium.common.storage.uploads import Upload
    deploy(runtime, BATCH_CHILD)
    deploy(runtime, FOR_EACH_ITEM)
    lines = "".join(f"{i}\n" for i in range(1, 8))
    done = finish(runtime, runtime.submit("it.flowables", "batches", {
        "file": Upload("items.txt", data=lines.encode())}).id, timeout=60)
    assert done.state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(done.id))
    assert [task for task in ("each", "each_split", "each_items", "each_merge")
            if runs[task][0].state is State.SUCCESS] == ["each", "each_split", "each_items",
                                                         "each_merge"]
    assert runs["each_split"][0].outputs["batches"] == 3
    assert runs["each_items"][0].outputs == {
        "numberOfBatches": 3, "iterations": {"CREATED": 0, "RUNNING": 0, "SUCCESS": 3}}
    assert runs["merged"][0].outputs["value"].splitlines() == [
        '{lines:"1\\n2\\n3"}', '{lines:"4\\n5\\n6"}', '{lines:"7"}']
    with runtime.db.read() as conn:
        children = list_children(conn, done.id)
    assert sorted(c.engine.subflow.iteration for c in children) == [1, 2, 3]
    assert all(c.state is State.SUCCESS and c.flow_id == "batch_child" for c in children)
    assert runs["logs"][0].outputs["size"] == 1  # the DEBUG line of `merged`


LOOP = f"""
id: loop2
namespace: it.flowables
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: {{"x": 1, "y": 2, "z": 3}}
    concurrencyLimit: 2
    transmitFailed: false
    tasks:
      - id: maybe
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{{{ item.key == 'y' }}}}"
      - id: echo
        type: {RET}
        format: "{{{{ item.key }}}}={{{{ item.value }}}}@{{{{ item.index }}}}"
"""


def test_kestra_2_loop_with_isolated_iterations(runtime):
    deploy(runtime, LOOP)
    done = finish(runtime, runtime.submit("it.flowables", "loop2").id)
    # y failed; with transmitFailed false the others go on and the Loop succeeds (Kestra
    # 2.0's loop handler ends it SUCCESS), its failed iteration counted in its outputs
    assert done.state is State.SUCCESS
    assert runs_by_task(runtime.task_runs(done.id))["loop"][0].outputs[
        "terminatedIterations"] == {"SUCCESS": 2, "FAILED": 1}
    runs = runs_by_task(runtime.task_runs(done.id))
    assert sorted(r.outputs["value"] for r in runs["echo"]) == ["x=1@0", "z=3@2"]
    assert {r.iteration: r.state for r in runs["maybe"]} == {
        0: State.SUCCESS, 1: State.FAILED, 2: State.SUCCESS}
