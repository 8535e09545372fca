"""One flow through real executor and worker processes, checked in the store."""

from __future__ import annotations

import json

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime
from tests.integration.conftest import deploy, finish, runs_by_task, start_runtime, stop_runtime

pytestmark = pytest.mark.service

FLOW = """
id: e2e
namespace: it.e2e
inputs:
  - id: user
    type: STRING
    defaults: world
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.user }}!"
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.user | upper }}"
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      number: 42
      greeting: "hi {{ outputs.ret.value }}"
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      WHO: "{{ outputs.ret.value }}"
    commands:
      - echo "shell says hello to $WHO"
      - 'echo "::{\\"outputs\\": {\\"who\\": \\"$WHO\\", \\"count\\": 3}}::"'
outputs:
  - id: shouted
    type: STRING
    value: "{{ outputs.ret.value }}"
  - id: from_shell
    type: STRING
    value: "{{ outputs.shell.vars.who }}-{{ outputs.shell.vars.count }}"
  - id: number
    type: INT
    value: "{{ outputs.values.values.number }}"
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "e2e:", executors=1, workers=1)
    yield runtime
    stop_runtime(deployment, runtime)


def test_flow_runs_to_success_with_outputs_task_runs_and_logs(runtime):
    deploy(runtime, FLOW)
    execution = runtime.submit("it.e2e", "e2e", {"user": "ada"})
    execution = finish(runtime, execution.id)

    assert execution.state is State.SUCCESS, execution.error
    assert execution.outputs == {"shouted": "ADA", "from_shell": "ADA-3", "number": 42}

    runs = runtime.task_runs(execution.id)
    by_task = runs_by_task(runs)
    assert [run.task_id for run in runs] == ["hello", "ret", "values", "shell"]
    for run in runs:
        assert run.state is State.SUCCESS
        assert [a.number for a in run.attempts] == [1]
        assert run.attempts[0].state is State.SUCCESS
        assert run.history.start_date is not None and run.history.end_date is not None
    assert by_task["ret"][0].outputs == {"value": "ADA"}
    assert by_task["values"][0].outputs == {"values": {"number": 42, "greeting": "hi ADA"}}
    assert by_task["shell"][0].outputs["vars"] == {"who": "ADA", "count": 3}
    assert by_task["shell"][0].outputs["exitCode"] == 0

    # Logs were written by the worker process while the tasks ran, and read back here.
    logs = runtime.logs(execution.id)
    run_of = {run.id: run.task_id for run in runs}
    lines = [(run_of.get(entry.task_run_id), entry.message) for entry in logs]
    assert ("hello", "Hello, ada!") in lines
    assert ("shell", "shell says hello to ADA") in lines
    hello_log = next(entry for entry in logs if entry.message == "Hello, ada!")
    assert hello_log.level == "INFO"
    assert hello_log.flow_id == "e2e" and hello_log.namespace == "it.e2e"
    # The `::{...}::` line is an output instruction, not a log line.
    assert not any("::{" in message for _, message in lines)


UPDATES = """
id: updates
namespace: it.e2e
variables:
  name: World
tasks:
  - id: set_vars
    type: io.kestra.plugin.core.execution.SetVariables
    variables:
      message: Hello
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.message }} {{ vars.name }}"
  - id: check
    type: io.kestra.plugin.core.execution.Assert
    conditions:
      - "{{ outputs.greet.value == 'Hello World' }}"
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
    state: WARNING
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: not reached
"""


def test_execution_updates_by_the_executor_reach_the_worker_processes(runtime):
    deploy(runtime, UPDATES)
    execution = finish(runtime, runtime.submit("it.e2e", "updates").id)
    assert execution.state is State.WARNING, execution.error
    assert execution.variables["vars"] == {"name": "World", "message": "Hello"}
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    assert {task_id: run.state for task_id, run in runs.items()} == {
        "set_vars": State.SUCCESS, "greet": State.SUCCESS, "check": State.SUCCESS,
        "exit": State.WARNING}
    assert runs["greet"].outputs == {"value": "Hello World"}
    assert not runs["set_vars"].attempts and not runs["exit"].attempts  # no worker involved


def test_outputs_keep_their_key_order_as_an_embedded_run_does(runtime, tmp_path):
    """The same flow, embedded (SQLite) and on the fleet (PostgreSQL): the outputs' keys in
    the same order, the flow's and the task's own (a jsonb column would sort them)."""
    deploy(runtime, FLOW)
    distributed = finish(runtime, runtime.submit("it.e2e", "e2e", {"user": "ada"}).id)
    with Runtime.embedded(tmp_path / "embedded") as embedded:
        embedded.deploy(parse_flow(FLOW))
        alone = embedded.wait(embedded.submit("it.e2e", "e2e", {"user": "ada"}).id, timeout=60)
        alone_runs = runs_by_task(embedded.task_runs(alone.id))
    assert list(distributed.outputs) == list(alone.outputs) == ["shouted", "from_shell", "number"]
    for task_id, runs in runs_by_task(runtime.task_runs(distributed.id)).items():
        assert _own(runs[0].outputs) == _own(alone_runs[task_id][0].outputs), task_id


def _own(outputs: dict | None) -> str:
    """A task's outputs as JSON text, keys in their order (a script's: its `vars`, the rest
    names this execution's files)."""
    outputs = outputs or {}
    return json.dumps(outputs.get("vars", outputs))
