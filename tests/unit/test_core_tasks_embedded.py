"""The core types of Kestra's current release that Podium added (execution.SetVariables,
UnsetVariables, Assert, Exit; storage.Write; kv.Put, PurgeKV; metric.Publish) through whole
flows on the embedded runtime: the executor applies the execution updates, workers run the
rest, storage and the KV store are real."""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.kv import KVStore, KVType, KVValue
from podium.common.models.state import State
from podium.common.store import list_all_kv
from podium.common.store.types import utcnow
from podium.runtime import Runtime

CORE_TASKS = """
id: core_tasks
namespace: company.team
inputs:
  - id: who
    type: STRING
variables:
  name: World
tasks:
  - id: set_vars
    type: io.kestra.plugin.core.execution.SetVariables
    variables:
      message: Hello
      name: "{{ inputs.who }}"
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: "{{ vars.message }} {{ vars.name }}"
    extension: .txt
  - id: check
    type: io.kestra.plugin.core.execution.Assert
    conditions:
      - "{{ read(outputs.write.uri) == 'Hello Ada' }}"
      - "{{ vars.message == 'Hello' }}"
  - id: unset
    type: io.kestra.plugin.core.execution.UnsetVariables
    variables: [message]
  - id: after_unset
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.message ?? 'gone' }} {{ vars.name }}"
  - id: put
    type: io.kestra.plugin.core.kv.Put
    key: greeting
    value:
      - key: text
        value: "{{ vars.name }}"
  - id: purge
    type: io.kestra.plugin.core.kv.PurgeKV
    namespaces: ["{{ flow.namespace }}"]
  - id: metric
    type: io.kestra.plugin.core.metric.Publish
    metrics:
      - type: counter
        name: greetings
        value: 1
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
    state: WARNING
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: not reached
"""

FAILED_ASSERT = """
id: failed_assert
namespace: company.team
tasks:
  - id: before
    type: io.kestra.plugin.core.output.OutputValues
    values:
      output1: xyz
  - id: fail
    type: io.kestra.plugin.core.execution.Assert
    errorMessage: "output1 was {{ outputs.before.values.output1 }}"
    conditions:
      - "{{ 42 == 42 }}"
      - "{{ outputs.before.values.output1 == 'abc' }}"
"""


@pytest.fixture
def runtime(tmp_path):
    runtime = Runtime.embedded(tmp_path / "data", workers=2, environ={})
    yield runtime
    runtime.close()


def test_a_flow_of_the_new_core_tasks(runtime):
    store = KVStore(runtime.db, clock=lambda: utcnow() - timedelta(days=1))
    # In a child namespace: the Put's write would remove an expired key of its own namespace.
    store.put("company.team.archive", "stale", KVValue(KVType.STRING, "x"), ttl="PT1M")
    runtime.deploy(parse_flow(CORE_TASKS))
    execution = runtime.submit("company.team", "core_tasks", {"who": "Ada"})
    final = runtime.wait(execution.id, timeout=30)
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    assert final.state is State.WARNING, runtime.logs(execution.id)
    assert {task_id: run.state.value for task_id, run in runs.items()} == {
        "set_vars": "SUCCESS", "write": "SUCCESS", "check": "SUCCESS", "unset": "SUCCESS",
        "after_unset": "SUCCESS", "put": "SUCCESS", "purge": "SUCCESS", "metric": "SUCCESS",
        "exit": "WARNING"}
    assert runs["after_unset"].outputs == {"value": "gone Ada"}
    assert runs["purge"].outputs == {"size": 1}  # the stale key, not the one just put
    assert KVStore(runtime.db).value("company.team", "greeting") == {"text": "Ada"}
    with runtime.db.read() as conn:
        assert list_all_kv(conn, "company.team.archive") == []  # gone, not just expired
    assert final.variables["vars"] == {"name": "Ada"}
    assert [entry.uri.rsplit("/", 1)[-1] for entry in runtime.files(execution.id)] == \
        ["write.txt"]


def test_a_failed_assert_fails_the_execution_with_its_message(runtime):
    runtime.deploy(parse_flow(FAILED_ASSERT))
    execution = runtime.submit("company.team", "failed_assert")
    final = runtime.wait(execution.id, timeout=30)
    assert final.state is State.FAILED
    messages = [entry.message for entry in runtime.logs(execution.id)]
    assert "Assertion `{{ outputs.before.values.output1 == 'abc' }}` failed!" in messages
    assert any(m.startswith("1 assertion failed!\noutput1 was xyz") for m in messages), messages
