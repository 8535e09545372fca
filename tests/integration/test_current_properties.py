"""Properties of Kestra's current release through real executor and worker processes:
flow `checks` at submission, a typed property given as an expression rendered by a worker
process, and task `assets` carried on the TaskResult message to the stored task run."""

from __future__ import annotations

import pytest

from podium.common.errors import ExecutionBlockedError
from podium.common.models.state import State
from tests.integration.conftest import deploy, finish, runs_by_task, start_runtime, stop_runtime

pytestmark = pytest.mark.service

FLOW = """
id: props
namespace: it.props
inputs:
  - id: level
    type: STRING
    defaults: WARN
  - id: mode
    type: STRING
    defaults: ok
checks:
  - message: "blocked mode"
    condition: "{{ inputs.mode != 'block' }}"
  - message: "failed mode"
    condition: "{{ inputs.mode != 'fail' }}"
    behavior: FAIL_EXECUTION
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "at {{ inputs.level }}"
    level: "{{ inputs.level }}"
    assets:
      outputs:
        - id: "table_{{ inputs.mode }}"
          type: Table
          namespace: "{{ flow.namespace }}"
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "props:", executors=1, workers=1)
    deploy(runtime, FLOW)
    yield runtime
    stop_runtime(deployment, runtime)


def test_expression_property_and_assets_reach_the_stored_task_run(runtime):
    execution = finish(runtime, runtime.submit("it.props", "props").id)
    assert execution.state is State.SUCCESS, execution.error
    (run,) = runs_by_task(runtime.task_runs(execution.id))["log"]
    assert run.to_api()["assets"] == {"inputs": [], "outputs": [
        {"id": "table_ok", "type": "Table", "namespace": "it.props", "metadata": {}}]}
    levels = [entry.level for entry in runtime.logs(execution.id) if entry.message == "at WARN"]
    assert levels == ["WARN"]


def test_a_bad_rendered_value_fails_the_task_naming_the_property(runtime):
    execution = finish(runtime, runtime.submit("it.props", "props", {"level": "LOUD"}).id)
    assert execution.state is State.FAILED
    messages = [entry.message for entry in runtime.logs(execution.id)]
    assert any(m.startswith("Invalid value for property `level`") for m in messages), messages


def test_checks_block_or_fail_the_execution(runtime):
    with pytest.raises(ExecutionBlockedError, match="blocked mode"):
        runtime.submit("it.props", "props", {"mode": "block"})
    failed = finish(runtime, runtime.submit("it.props", "props", {"mode": "fail"}).id)
    assert failed.state is State.FAILED and runtime.task_runs(failed.id) == []
