"""Expressions through real executor and worker processes on PostgreSQL and Redis: envs from
the services' own environment, errorLogs() read from the shared store by a worker and by the
executor, and input defaults rendered by the submitting process."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, finish, runs_by_task, start_runtime, stop_runtime

pytestmark = pytest.mark.service

FLOW = """
id: alerts
namespace: it.expressions
inputs:
  - id: when
    type: DATETIME
    defaults: "{{ now() }}"
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: "{{ envs.greeting }} {{ env('missing', 'fallback') }} {{ flow.tenantId }}"
  - id: broken
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "disk full on {{ inputs.when | date('yyyy') }}"
errors:
  - id: decide
    type: io.kestra.plugin.core.flow.If
    condition: "{{ errorLogs() | length > 0 }}"
    then:
      - id: alert
        type: io.kestra.plugin.core.debug.Return
        format: "{{ errorLogs()[0].message }} ({{ tasksWithState('failed') | length }})"
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "expr:", executors=1, workers=1,
                               ENV_GREETING="hello")
    yield runtime
    stop_runtime(deployment, runtime)


def test_error_logs_envs_and_dynamic_defaults_across_processes(runtime):
    deploy(runtime, FLOW)
    execution = finish(runtime, runtime.submit("it.expressions", "alerts").id)
    assert execution.state is State.FAILED
    runs = {task_id: found[0]
            for task_id, found in runs_by_task(runtime.task_runs(execution.id)).items()}
    assert runs["greet"].outputs == {"value": "hello fallback main"}
    year = execution.history.start_date.strftime("%Y")
    assert runs["decide"].outputs == {"evaluationResult": True}
    assert runs["alert"].outputs == {"value": f"disk full on {year} (1)"}
