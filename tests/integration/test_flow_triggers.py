"""Flow triggers through real executor and worker processes."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from podium.common.store.executions import list_executions
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime, wait_for
from tests.integration.scrape import wait_executors_drained

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

# Kestra 2.0's dialect: both upstream flows must end (any terminal state), then one
# execution, with each upstream's flow outputs under its flow id.
SOURCE_B = """
id: upstream_b
namespace: it.triggers
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "42"
outputs:
  - id: rows
    type: INT
    value: "{{ outputs.count.value }}"
"""

JOINED = """
id: joined
namespace: it.triggers
inputs:
  - id: rows
    type: INT
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.rows }} after {{ trigger.flowId }}"
triggers:
  - id: after_both
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      rows: "{{ trigger.outputs.upstream_b.rows }}"
    dependsOn:
      - flowId: upstream
        namespace: it.triggers
        states: [SUCCESS]
      - flowId: upstream_b
        namespace: it.triggers
    window:
      lookback: PT1H
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "triggers:", executors=2, workers=1)
    for source in (SOURCE, LISTENER, SELF_LISTENER, SOURCE_B, JOINED):
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
    wait_executors_drained(runtime)  # a second firing (by the other executor?) is in by now
    assert len(triggered(runtime, "downstream", source.id)) == 1


def test_a_flow_never_triggers_itself(runtime):
    source = finish(runtime, runtime.submit("it.triggers", "upstream").id)
    [echo] = wait_for(lambda: triggered(runtime, "echo_chamber", source.id), 30, "echo")
    finish(runtime, echo.id)
    wait_executors_drained(runtime)
    assert triggered(runtime, "echo_chamber", echo.id) == []


def test_depends_on_waits_for_every_upstream_then_fires_once_with_scoped_outputs(runtime):
    first = finish(runtime, runtime.submit("it.triggers", "upstream").id)
    second = finish(runtime, runtime.submit("it.triggers", "upstream_b").id)
    assert triggered(runtime, "joined", first.id) == []  # upstream_b had not run yet
    [joined] = wait_for(lambda: triggered(runtime, "joined", second.id), 30, "joined")
    done = finish(runtime, joined.id)
    [echo] = runtime.task_runs(done.id)
    assert echo.outputs == {"value": "42 after upstream_b"}
    assert done.trigger["variables"]["outputs"] == {"upstream_b": {"rows": 42}}
