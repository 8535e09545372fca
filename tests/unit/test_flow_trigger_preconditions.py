"""Flow trigger `preconditions` end to end on the embedded runtime (Kestra's
flow-trigger-preconditions flows)."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.store.executions import list_executions
from podium.runtime import Runtime
from tests.waiting import wait_for, wait_rounds

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
        rt.wait_idle()  # the end of flow-b has been handled, trigger evaluation included
        assert listened(rt) == []  # flow-a has not run yet
        rt.wait(rt.submit(NS, "flow-trigger-preconditions-flow-a").id, 20)
        rt.wait_idle()
        [fired] = listened(rt)
        assert fired.trigger["variables"]["flowId"] == "flow-trigger-preconditions-flow-a"
        assert rt.wait(fired.id, 20).state.value == "SUCCESS"
        # reset on success: b again alone does not fire a second time
        rt.wait(rt.submit(NS, "flow-trigger-preconditions-flow-b").id, 20)
        rt.wait_idle()
        assert len(listened(rt)) == 1
        assert b_alone.state.value == "SUCCESS"


# Kestra's own flows (core/src/test/resources/flows/valids/flow-trigger-preconditions-*,
# current release): flow-a is labelled, flow-b is not and has a flow output.
KESTRA_A = """
id: flow-trigger-preconditions-flow-a
namespace: io.kestra.tests.trigger.preconditions
labels:
  some: label
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "from parents: {{execution.id}}"
"""
KESTRA_B = """
id: flow-trigger-preconditions-flow-b
namespace: io.kestra.tests.trigger.preconditions
outputs:
  - id: some
    type: STRING
    value: value
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "from parents: {{execution.id}}"
"""


def run_to_end(rt, flow_id: str):
    done = rt.wait(rt.submit(NS, flow_id).id, 20)
    assert done.state.value == "SUCCESS"
    return done


def fired_listener(rt):
    wait_for(lambda: listened(rt), what="the listening flow's execution")
    rt.wait_idle()  # a second (wrong) firing would be created by now
    [fired] = listened(rt)
    return rt.wait(fired.id, 20)


def test_kestra_preconditions_fire_when_a_then_b_end_and_carry_merged_outputs(tmp_path):
    # MultipleConditionTriggerCaseTest#flowTriggerPreconditions: a, a, b -> one execution;
    # flow-b (no `some` label) must not break the `where` group that reads the label
    with Runtime.embedded(tmp_path) as rt:
        for source in (KESTRA_A, KESTRA_B, LISTEN):
            rt.deploy(parse_flow(source))
        run_to_end(rt, "flow-trigger-preconditions-flow-a")
        run_to_end(rt, "flow-trigger-preconditions-flow-a")
        b = run_to_end(rt, "flow-trigger-preconditions-flow-b")
        fired = fired_listener(rt)
        [only] = rt.task_runs(fired.id)
    assert fired.state.value == "SUCCESS" and only.outputs == {"value": "It works"}
    variables = fired.trigger["variables"]
    assert variables["executionId"] == b.id
    assert variables["outputs"]["some"] == "value"  # the source's own outputs
    assert variables["outputs"][NS]["flow-trigger-preconditions-flow-b"] == {"some": "value"}


def test_kestra_preconditions_merge_the_outputs_of_the_window(tmp_path):
    # #flowTriggerPreconditionsMergeOutputs: b then a; the outputs b left in the window
    # reach the execution a fired, under namespace and flow id
    with Runtime.embedded(tmp_path) as rt:
        for source in (KESTRA_A, KESTRA_B, LISTEN):
            rt.deploy(parse_flow(source))
        run_to_end(rt, "flow-trigger-preconditions-flow-b")
        a = run_to_end(rt, "flow-trigger-preconditions-flow-a")
        fired = fired_listener(rt)
    variables = fired.trigger["variables"]
    assert variables["executionId"] == a.id
    assert variables["outputs"] == {NS: {"flow-trigger-preconditions-flow-b": {"some": "value"}}}


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
    with Runtime.embedded(tmp_path, scheduler=True) as rt:
        rt.deploy(parse_flow(SOURCE.format(id="flow-trigger-preconditions-flow-a")))
        rt.deploy(parse_flow(DEBOUNCED))
        for _ in range(3):
            rt.wait(rt.submit(NS, "flow-trigger-preconditions-flow-a").id, 20)

        def batched():
            with rt.db.read() as conn:
                return list_executions(conn, NS, "batched", limit=10)
        wait_for(batched, what="the debounced execution")
        [one] = batched()
        done = rt.wait(one.id, 20)
        [count] = rt.task_runs(done.id)
        assert count.outputs == {"value": "3 3"}
        wait_rounds(rt.scheduler)  # a second flush of the burst would have happened by now
        rt.wait_idle()
        assert len(batched()) == 1


EXTRACT = """
id: extract
namespace: company.team
tasks:
  - id: final_date
    type: io.kestra.plugin.core.debug.Return
    format: "2025-01-30"
outputs:
  - id: last_ingested_date
    type: STRING
    value: "{{ outputs.final_date.value }}"
"""
TRANSFORM = """
id: transform
namespace: company.team
inputs:
  - id: last_ingested_date
    type: STRING
    defaults: "2025-01-01"
tasks:
  - id: run_transform
    type: io.kestra.plugin.core.debug.Return
    format: "up to {{ inputs.last_ingested_date }}"
triggers:
  - id: run_after_extract
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      last_ingested_date: "{{ trigger.outputs.last_ingested_date }}"
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlowCondition
        namespace: company.team
        flowId: extract
      - type: io.kestra.plugin.core.condition.ExecutionStatusCondition
        in:
          - SUCCESS
"""


def test_trigger_inputs_read_the_upstream_flow_outputs_as_trigger_outputs(tmp_path):
    # The example of Kestra's Flow trigger documentation
    with Runtime.embedded(tmp_path) as rt:
        rt.deploy(parse_flow(EXTRACT))
        rt.deploy(parse_flow(TRANSFORM))
        rt.wait(rt.submit("company.team", "extract").id, 20)
        def transforms():
            with rt.db.read() as conn:
                return list_executions(conn, "company.team", "transform", limit=5)
        wait_for(transforms, what="the transform execution")
        rt.wait_idle()
        [transform] = transforms()
        done = rt.wait(transform.id, 20)
        [run] = rt.task_runs(done.id)
    assert done.inputs == {"last_ingested_date": "2025-01-30"}
    assert run.outputs == {"value": "up to 2025-01-30"}
