"""ForEachItem in the pure core: split on a worker, one child per batch, counted ends,
merge on a worker."""

from __future__ import annotations

from podium.common.messages import SubflowEnded
from podium.common.models.state import State
from podium.executor.engine.features.subflow import StartSubflow
from tests.unit.executor.harness import Harness

FLOW = """id: batches
namespace: company.team
inputs:
  - id: file
    type: STRING
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      rows: 2
    namespace: company.team
    flowId: child
    transmitFailed: TRANSMIT
    inputs:
      items: "{{ taskrun.items }}"
      n: "{{ taskrun.iteration }}"
"""


def splitting(batches: int):
    def worker(dispatch):
        kind = dispatch.task["type"].rsplit("$", 1)[-1]
        if kind == "ForEachItemSplit":
            return "SUCCESS", {"splits": "kestra:///x/splits.txt", "batches": batches,
                               "extension": ".txt"}
        return "SUCCESS", {"subflowOutputs": "kestra:///x/outputs.ion"}
    return worker


def started(batches: int, transmit: bool = True,
            wait: bool = True) -> tuple[Harness, list[StartSubflow]]:
    flow = FLOW.replace("TRANSMIT", str(transmit).lower())
    if not wait:
        flow += "    wait: false\n"
    h = Harness(flow, inputs={"file": "kestra:///company/team/batches/in.txt"})
    h.start()
    [split] = h.dispatched
    decision = h.result(split, *splitting(batches)(split))
    return h, [c for c in decision.commands if isinstance(c, StartSubflow)]


def end(h: Harness, command: StartSubflow, state: str):
    return h.send(SubflowEnded(execution_id=h.execution.id,
                               task_run_id=command.parent_task_run_id,
                               child_execution_id=command.child_execution_id, state=state,
                               iteration=command.iteration))


def test_one_child_per_batch_with_its_file_and_iteration():
    h, commands = started(3)
    assert [c.iteration for c in commands] == [1, 2, 3]
    [split] = h.by_task("each_split")
    assert [c.inputs for c in commands] == [
        {"items": f"kestra:///company/team/batches/executions/{h.execution.id}/tasks/"
                  f"each-split/{split.id}/{i}.txt", "n": str(i - 1)} for i in (1, 2, 3)]
    # taskrun.iteration counts from 0 since Kestra 1.1 (its batch files from 1).
    [items] = h.by_task("each_items")
    assert items.state is State.RUNNING
    assert items.outputs == {"numberOfBatches": 3,
                             "iterations": {"CREATED": 3, "RUNNING": 0}}


def test_ends_are_counted_once_then_merge_runs():
    h, commands = started(2)
    end(h, commands[0], "SUCCESS")
    assert "batch 1 already counted" in (end(h, commands[0], "SUCCESS").ignored or "")
    end(h, commands[1], "SUCCESS")
    [items] = h.by_task("each_items")
    assert items.state is State.SUCCESS
    assert items.outputs["iterations"] == {"CREATED": 0, "RUNNING": 0, "SUCCESS": 2}
    merge = h.dispatched[-1]
    assert merge.task["type"].endswith("$ForEachItemMergeOutputs")
    h.result(merge, *splitting(2)(merge))
    assert h.execution.state is State.SUCCESS
    assert [r.task_id for r in sorted(h.runs.values(), key=lambda r: r.seq)] == \
        ["each", "each_split", "each_items", "each_merge"]


def test_a_failed_batch_fails_the_task_with_transmit_failed_and_no_merge_runs():
    h, commands = started(2)
    end(h, commands[0], "FAILED")
    end(h, commands[1], "SUCCESS")
    assert h.execution.state is State.FAILED
    assert h.by_task("each_items")[0].outputs["iterations"]["FAILED"] == 1
    assert h.by_task("each_merge") == []


def test_without_transmit_failed_a_failed_batch_is_success():
    h, commands = started(1, transmit=False)
    end(h, commands[0], "FAILED")
    assert h.by_task("each_items")[0].state is State.SUCCESS


def test_an_empty_file_makes_no_child_and_no_outputs():
    h, commands = started(0)
    assert commands == []
    [items] = h.by_task("each_items")
    assert items.state is State.SUCCESS and items.outputs is None


def test_without_wait_the_iterations_count_created_children_as_success():
    # ForEachItemCaseTest#forEachItemNoWait: {RUNNING: 0, SUCCESS: n}, no CREATED key
    h, commands = started(3, wait=False)
    assert all(not c.wait for c in commands)
    [items] = h.by_task("each_items")
    assert items.outputs == {"numberOfBatches": 3, "iterations": {"RUNNING": 0}}
    for command in commands:  # the persister answers CREATED once each child exists
        end(h, command, "CREATED")
    [items] = h.by_task("each_items")
    assert items.state is State.SUCCESS
    assert items.outputs == {"numberOfBatches": 3, "iterations": {"RUNNING": 0, "SUCCESS": 3}}
    assert [a.state for a in items.attempts] == [State.SUCCESS]
    merge = h.dispatched[-1]
    h.result(merge, *splitting(3)(merge))
    assert h.execution.state is State.SUCCESS and len(h.runs) == 4
