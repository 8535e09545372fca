"""Subflow through real executor and worker processes: inputs, outputs, labels, failures,
kill cascade."""

from __future__ import annotations

import pytest

from podium.common.messages import KillExecution
from podium.common.models.state import State
from podium.common.store.executions import list_children
from podium.common.transport.base import EXECUTOR_QUEUE
from tests.integration.conftest import (
    deploy,
    finish,
    runs_by_task,
    start_runtime,
    stop_runtime,
    wait_for,
)

pytestmark = pytest.mark.service

SUBFLOW = "io.kestra.plugin.core.flow.Subflow"

CHILD = """
id: child
namespace: it.subflow
labels:
  owner: child-team
inputs:
  - id: n
    type: INT
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * 2 }}"
outputs:
  - id: doubled
    type: INT
    value: "{{ outputs.double.value }}"
"""

PARENT = f"""
id: parent
namespace: it.subflow
tasks:
  - id: call
    type: {SUBFLOW}
    namespace: it.subflow
    flowId: child
    inputs:
      n: 21
    labels:
      from: parent
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "got {{{{ outputs.call.outputs.doubled }}}}"
"""

BROKEN = f"""
id: broken
namespace: it.subflow
tasks:
  - id: call
    type: {SUBFLOW}
    namespace: it.subflow
    flowId: "{{{{ 'does-not-exist' }}}}"
"""

BAD_INPUTS = f"""
id: bad-inputs
namespace: it.subflow
tasks:
  - id: call
    type: {SUBFLOW}
    namespace: it.subflow
    flowId: child
    inputs:
      n: "not a number"
"""

SLOW_CHILD = """
id: slow-child
namespace: it.subflow
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""

SLOW_PARENT = f"""
id: slow-parent
namespace: it.subflow
tasks:
  - id: call
    type: {SUBFLOW}
    namespace: it.subflow
    flowId: slow-child
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "subflow:", executors=1, workers=1)
    for source in (CHILD, PARENT, BROKEN, BAD_INPUTS, SLOW_CHILD, SLOW_PARENT):
        deploy(runtime, source)
    yield runtime
    stop_runtime(deployment, runtime)


def children(runtime, parent_id: str):
    with runtime.db.read() as conn:
        return list_children(conn, parent_id)


def test_parent_passes_inputs_and_reads_the_child_outputs(runtime):
    execution = runtime.submit("it.subflow", "parent")
    assert finish(runtime, execution.id).state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(execution.id))
    [child] = children(runtime, execution.id)
    assert runs["call"][0].outputs == {"executionId": child.id, "state": "SUCCESS",
                                       "outputs": {"doubled": 42}}
    assert runs["use"][0].outputs == {"value": "got 42"}
    assert child.state is State.SUCCESS and child.inputs == {"n": 21}
    assert child.parent_id == execution.id
    assert child.label_map() == {"owner": "child-team", "from": "parent",
                                 "system.correlationId": execution.id}
    assert child.trigger == {"id": "call", "type": SUBFLOW, "variables": {
        "executionId": execution.id, "namespace": "it.subflow", "flowId": "parent",
        "flowRevision": 1}}


@pytest.mark.parametrize("flow_id, error", [("broken", "Unable to find flow"),
                                            ("bad-inputs", "n")])
def test_a_child_that_cannot_be_created_fails_the_task(runtime, flow_id, error):
    execution = runtime.submit("it.subflow", flow_id)
    assert finish(runtime, execution.id).state is State.FAILED
    assert runs_by_task(runtime.task_runs(execution.id))["call"][0].state is State.FAILED
    assert children(runtime, execution.id) == []
    errors = [log.message for log in runtime.logs(execution.id) if log.level == "ERROR"]
    assert any(error in message for message in errors), errors


def test_killing_the_parent_kills_the_running_child(runtime):
    execution = runtime.submit("it.subflow", "slow-parent")
    child = wait_for(lambda: next(iter(children(runtime, execution.id)), None), 20,
                     "the child execution")
    wait_for(lambda: any(r.state is State.RUNNING for r in runtime.task_runs(child.id)), 20,
             "the child's Sleep to run")
    runtime.transport.publish(EXECUTOR_QUEUE, KillExecution(execution_id=execution.id).encode())
    assert finish(runtime, execution.id, timeout=15).state is State.KILLED
    assert finish(runtime, child.id, timeout=15).state is State.KILLED
    assert runs_by_task(runtime.task_runs(execution.id))["call"][0].state is State.KILLED
