"""Flow trigger `preconditions` end to end on the embedded runtime (Kestra's
flow-trigger-preconditions flows)."""

from __future__ import annotations

import time

from common.flow.loader import parse_flow
from common.store.executions import list_executions
from podium.runtime import Runtime

NS = "io.kestra.tests.trigger.preconditions"
SOURCE = """
id: {id}
namespace: io.kestra.tests.trigger.preconditions
labels:
  some: label
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "from parents: {{{{ execution.id }}}}"
"""
LISTEN = """
id: flow-trigger-preconditions-flow-listen
namespace: io.kestra.tests.trigger.preconditions
triggers:
  - id: flow
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: flow
      flows:
        - namespace: io.kestra.tests.trigger.preconditions
          flowId: flow-trigger-preconditions-flow-a
          states: [SUCCESS, WARNING, FAILED]
        - namespace: io.kestra.tests.trigger.preconditions
          flowId: flow-trigger-preconditions-flow-b
          states: [SUCCESS]
      where:
        - id: flow1
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: io.kestra.tests.trigger
            - field: FLOW_ID
              type: EQUAL_TO
              value: flow-trigger-preconditions-flow-a
            - field: EXPRESSION
              type: IS_TRUE
              value: "{{labels.some == 'label'}}"
        - id: flow2
          filters:
            - field: NAMESPACE
              type: ENDS_WITH
              value: trigger.preconditions
            - field: FLOW_ID
              type: EQUAL_TO
              value: flow-trigger-preconditions-flow-b
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "It works"
"""


def listened(rt) -> list:
    with rt.db.read() as conn:
        return list_executions(conn, NS, "flow-trigger-preconditions-flow-listen", limit=50)


def test_fires_once_both_upstream_flows_ran_then_resets(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        for flow_id in ("flow-trigger-preconditions-flow-a", "flow-trigger-preconditions-flow-b"):
            rt.deploy(parse_flow(SOURCE.format(id=flow_id)))
        rt.deploy(parse_flow(LISTEN))
        b_alone = rt.wait(rt.submit(NS, "flow-trigger-preconditions-flow-b").id, 20)
        time.sleep(0.5)
        assert listened(rt) == []  # flow-a has not run yet
        rt.wait(rt.submit(NS, "flow-trigger-preconditions-flow-a").id, 20)
        time.sleep(0.5)
        [fired] = listened(rt)
        assert fired.trigger["variables"]["flowId"] == "flow-trigger-preconditions-flow-a"
        assert rt.wait(fired.id, 20).state.value == "SUCCESS"
        # reset on success: b again alone does not fire a second time
        rt.wait(rt.submit(NS, "flow-trigger-preconditions-flow-b").id, 20)
        time.sleep(0.5)
        assert len(listened(rt)) == 1
        assert b_alone.state.value == "SUCCESS"


DEBOUNCED = """
id: batched
namespace: io.kestra.tests.trigger.preconditions
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.size }} {{ trigger.events | length }}"
triggers:
  - id: on_a
    type: io.kestra.plugin.core.trigger.Flow
    debounce:
      quiet: PT3S
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: io.kestra.tests.trigger.preconditions
        flowId: flow-trigger-preconditions-flow-a
"""


def test_a_debounced_flow_trigger_folds_a_burst_into_one_execution(tmp_path):
    from podium.runtime import Runtime as _Runtime
    with _Runtime.embedded(tmp_path, scheduler=True) as rt:
        rt.deploy(parse_flow(SOURCE.format(id="flow-trigger-preconditions-flow-a")))
        rt.deploy(parse_flow(DEBOUNCED))
        for _ in range(3):
            rt.wait(rt.submit(NS, "flow-trigger-preconditions-flow-a").id, 20)

        def batched():
            with rt.db.read() as conn:
                return list_executions(conn, NS, "batched", limit=10)
        deadline = time.monotonic() + 20
        while not batched() and time.monotonic() < deadline:
            time.sleep(0.2)
        [one] = batched()
        done = rt.wait(one.id, 20)
        [count] = rt.task_runs(done.id)
        assert count.outputs == {"value": "3 3"}
        time.sleep(1.5)
        assert len(batched()) == 1
