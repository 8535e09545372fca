"""Pause and resume through real executor and worker processes: the execution pauses on the
distributed path and is resumed through the CLI command, with typed onResume inputs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from podium.cli import execution_commands
from podium.common.models.state import State
from tests.integration.conftest import (
    deploy,
    finish,
    runs_by_task,
    start_runtime,
    stop_runtime,
    wait_for,
)

pytestmark = pytest.mark.service

FLOW = """
id: approve
namespace: it.pause
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: ready
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: level
        type: INT
      - id: reason
        type: STRING
        defaults: none given
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.pause.onResume.level + 1 }} / {{ outputs.pause.onResume.reason }}"
"""


@pytest.fixture(scope="module")
def fleet(deployment):
    runtime, env = start_runtime(deployment, "pause:", executors=1, workers=1)
    yield runtime, env
    stop_runtime(deployment, runtime)


def test_paused_execution_resumes_through_the_cli(fleet):
    runtime, env = fleet
    deploy(runtime, FLOW)
    execution = runtime.submit("it.pause", "approve")
    paused = finish(runtime, execution.id)
    assert paused.state is State.PAUSED
    assert runs_by_task(runtime.task_runs(execution.id))["pause"][0].state is State.PAUSED

    cli = CliRunner(env=env)  # the CLI connects with the deployment's settings
    bad = cli.invoke(execution_commands.execution, ["resume", execution.id, "-i",
                                                    "level=high"])
    assert bad.exit_code != 0 and "level" in bad.output
    assert runtime.get(execution.id).state is State.PAUSED

    ok = cli.invoke(execution_commands.execution, ["resume", execution.id, "-i",
                                                   "level=41"])
    assert ok.exit_code == 0, ok.output
    final = wait_for(lambda: (lambda e: e if e.state.is_terminated else None)(
        runtime.get(execution.id)), what="the resumed execution to end")
    assert final.state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(execution.id))
    assert runs["pause"][0].outputs == {"onResume": {"level": 41, "reason": "none given"}}
    assert runs["after"][0].outputs == {"value": "42 / none given"}
    assert [entry.state for entry in final.history.histories][-4:] == [
        State.PAUSED, State.RESTARTED, State.RUNNING, State.SUCCESS]

    again = cli.invoke(execution_commands.execution, ["resume", execution.id])
    assert again.exit_code != 0 and "not paused" in again.output


APPROVAL = """
id: review
namespace: it.pause
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    commentRequired: ALWAYS
    inputs:
      - id: ticket
        type: INT
    onWait:
      - id: notify
        type: io.kestra.plugin.core.debug.Return
        format: asked
    onApprove:
      - id: approved
        type: io.kestra.plugin.core.debug.Return
        format: "#{{ outputs.approval.inputs.ticket }}: {{ outputs.approval.comment }}"
    onDeny:
      - id: denied
        type: io.kestra.plugin.core.debug.Return
        format: denied
"""


def test_an_approval_is_decided_through_the_cli(fleet):
    runtime, env = fleet
    deploy(runtime, APPROVAL)
    execution = runtime.submit("it.pause", "review")
    assert finish(runtime, execution.id).state is State.PAUSED
    cli = CliRunner(env=env)  # the CLI connects with the deployment's settings
    no_comment = cli.invoke(execution_commands.execution,
                            ["review", execution.id, "--approve", "-i", "ticket=7"])
    assert no_comment.exit_code != 0 and "requires a comment" in no_comment.output
    ok = cli.invoke(execution_commands.execution, ["review", execution.id, "--approve",
                                                   "-c", "ship it", "-i", "ticket=7"])
    assert ok.exit_code == 0, ok.output
    final = wait_for(lambda: (lambda e: e if e.state.is_terminated else None)(
        runtime.get(execution.id)), what="the approved execution to end")
    assert final.state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(execution.id))
    assert runs["approved"][0].outputs == {"value": "#7: ship it"}
    assert runs["approval"][0].outputs["decision"] == "APPROVED"
    assert "denied" not in runs


def test_execution_run_waits_through_the_cli_until_the_execution_pauses(fleet):
    """`execution run --wait` on the deployment (no --server) follows the execution to a
    state it stops in: PAUSED here, which is not a success (exit 1)."""
    runtime, env = fleet
    deploy(runtime, FLOW)
    waited = CliRunner(env=env).invoke(execution_commands.execution, [
        "run", "it.pause", "approve", "--wait", "--output", "json", "--timeout", "60"])
    assert waited.exit_code == 1, waited.output
    document = json.loads(waited.output)
    assert document["state"]["current"] == "PAUSED"
    assert runtime.get(document["id"]).state is State.PAUSED
