"""Flow triggers through real executor and worker processes."""

from __future__ import annotations

import time

import pytest

from common.models.state import State
from common.store.executions import list_executions
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime, wait_for

pytestmark = pytest.mark.service

SOURCE = """
id: upstream
namespace: it.triggers
tasks:
  - id: make
    type: io.kestra.plugin.core.debug.Return
    format: "made by {{ execution.id }}"
"""

LISTENER = """
id: downstream
namespace: it.triggers
inputs:
  - id: got
    type: STRING
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.got }} / {{ trigger.flowId }} / {{ trigger.state }}"
triggers:
  - id: on_upstream
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      got: "{{ outputs.make.value }}"
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: it.triggers
        flowId: upstream
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [SUCCESS]
"""

SELF_LISTENER = """
id: echo_chamber
namespace: it.triggers
tasks:
  - id: noop
    type: io.kestra.plugin.core.debug.Return
    format: noop
triggers:
  - id: on_anything
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: it.triggers
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "triggers:", executors=2, workers=1)
    for source in (SOURCE, LISTENER, SELF_LISTENER):
        deploy(runtime, source)
    yield runtime
    stop_runtime(deployment, runtime)


def triggered(runtime, flow_id: str, source_id: str) -> list:
    with runtime.db.read() as conn:
        return [e for e in list_executions(conn, "it.triggers", flow_id, limit=100)
                if (e.trigger or {}).get("variables", {}).get("executionId") == source_id]


def test_a_source_end_starts_the_listener_once_with_inputs_from_its_outputs(runtime):
    source = finish(runtime, runtime.submit("it.triggers", "upstream").id)
    assert source.state is State.SUCCESS
    [listener] = wait_for(lambda: triggered(runtime, "downstream", source.id), 30,
                          "the downstream execution")
    done = finish(runtime, listener.id)
    assert done.state is State.SUCCESS
    [echo] = runtime.task_runs(done.id)
    assert echo.outputs == {"value": f"made by {source.id} / upstream / SUCCESS"}
    assert done.trigger["id"] == "on_upstream"
    time.sleep(1.0)  # a second firing (e.g. by the other executor) would show by now
    assert len(triggered(runtime, "downstream", source.id)) == 1


def test_a_flow_never_triggers_itself(runtime):
    source = finish(runtime, runtime.submit("it.triggers", "upstream").id)
    [echo] = wait_for(lambda: triggered(runtime, "echo_chamber", source.id), 30, "echo")
    finish(runtime, echo.id)
    time.sleep(1.0)
    assert triggered(runtime, "echo_chamber", echo.id) == []
