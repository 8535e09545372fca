"""ForEachItem on the embedded runtime: the worker splits the file, the executor creates
one child per batch and counts them."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.uploads import Upload
from podium.common.store.executions import list_children
from podium.runtime import Runtime
from tests.waiting import poll_until

CHILD = """
id: for-each-item-subflow
namespace: io.kestra.tests
inputs:
  - id: items
    type: STRING
tasks:
  - id: per-item
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.items }}"
"""

NO_WAIT = """
id: for-each-item-no-wait
namespace: io.kestra.tests
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      rows: 4
    namespace: io.kestra.tests
    flowId: for-each-item-subflow
    wait: false
    transmitFailed: true
    inputs:
      items: "{{ taskrun.items }}"
"""


def test_for_each_item_without_wait_reports_its_iteration_counts(tmp_path):
    # ForEachItemCaseTest#forEachItemNoWait (10 lines, batches of 4: 3 children)
    lines = "".join(f"{n}\n" for n in range(10)).encode()
    with Runtime.embedded(tmp_path) as rt:
        rt.deploy(parse_flow(CHILD))
        rt.deploy(parse_flow(NO_WAIT))
        done = rt.wait(rt.submit("io.kestra.tests", "for-each-item-no-wait",
                                 {"file": Upload("file.txt", data=lines)}).id, 30)
        runs = {run.task_id: run for run in rt.task_runs(done.id)}
        def children_ended() -> list | None:
            with rt.db.read() as conn:
                children = list_children(conn, done.id)
            ended = len(children) == 3 and all(c.state.is_terminated for c in children)
            return children if ended else None

        # the children were not waited for: they end on their own
        children = poll_until(children_ended, 30, poll=0.1)
        if children is None:
            with rt.db.read() as conn:
                children = list_children(conn, done.id)
    assert done.state is State.SUCCESS
    assert list(runs) == ["each", "each_split", "each_items", "each_merge"]
    items = runs["each_items"]
    assert items.outputs["numberOfBatches"] == 3
    assert items.outputs["iterations"] == {"RUNNING": 0, "SUCCESS": 3}
    assert [attempt.state for attempt in items.attempts] == [State.SUCCESS]
    assert sorted(child.state.value for child in children) == ["SUCCESS"] * 3
