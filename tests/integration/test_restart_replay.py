"""Restart, replay and set-state through real executor and worker processes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from podium.cli.execution_commands import execution as execution_cli
from podium.common.errors import PodiumError
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
id: needs_file
namespace: it.restart
inputs:
  - id: path
    type: STRING
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: ready
  - id: read
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - cat "{{ inputs.path }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.before.value }} and done"
"""


@pytest.fixture(scope="module")
def fleet(deployment):
    runtime, env = start_runtime(deployment, "restart:", executors=1, workers=1)
    deploy(runtime, FLOW)
    yield runtime, env
    stop_runtime(deployment, runtime)


def _ended_attempt(runtime, execution_id: str, attempt: int):
    def check():
        current = runtime.get(execution_id)
        return current if current.attempt_number == attempt and current.state.is_terminated \
            else None
    return wait_for(check, 30, f"attempt {attempt} of {execution_id} to end")


def _created(runtime, execution_id: str):
    wait_for(lambda: runtime.get(execution_id), 20, f"execution {execution_id} to exist")
    return finish(runtime, execution_id)


def test_restart_after_a_missing_file_then_replay(fleet, tmp_path):
    runtime, env = fleet
    path = tmp_path / "data.txt"
    failed = finish(runtime, runtime.submit("it.restart", "needs_file", {"path": str(path)}).id)
    assert failed.state is State.FAILED
    first = runs_by_task(runtime.task_runs(failed.id))
    assert "after" not in first and first["read"][0].state is State.FAILED
    with pytest.raises(PodiumError, match="already SUCCESS"):
        runtime.set_state(failed.id, first["before"][0].id, "SUCCESS")
    with pytest.raises(PodiumError, match="not a task run"):
        runtime.replay(failed.id, "not-a-run")

    path.write_text("hello\n")
    result = CliRunner().invoke(execution_cli, ["restart", failed.id], env=env)
    assert result.exit_code == 0, result.output
    restarted = _ended_attempt(runtime, failed.id, 2)
    assert restarted.state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(failed.id))
    assert runs["before"] == first["before"]  # kept as it was
    assert [a.number for a in runs["read"][0].attempts] == [1, 2]
    assert runs["read"][0].id == first["read"][0].id
    assert runs["after"][0].outputs == {"value": "ready and done"}
    assert State.RESTARTED in [h.state for h in restarted.history.histories]

    result = CliRunner().invoke(execution_cli, ["restart", failed.id], env=env)
    assert result.exit_code != 0 and "no failed" in result.output

    replay_id = runtime.replay(failed.id)
    replayed = _created(runtime, replay_id)
    assert replayed.state is State.SUCCESS
    assert replayed.parent_id == failed.id and replayed.original_id == failed.id
    assert replayed.inputs == failed.inputs
    assert len(runtime.task_runs(replay_id)) == 3

    result = CliRunner().invoke(execution_cli, ["replay", failed.id, "--task-run",
                                                runs["read"][0].id], env=env)
    assert result.exit_code == 0, result.output
    from_read = _created(runtime, result.output.strip())
    assert from_read.state is State.SUCCESS
    copied = runs_by_task(runtime.task_runs(from_read.id))
    assert copied["before"][0].id != runs["before"][0].id
    assert copied["before"][0].outputs == runs["before"][0].outputs
    assert len(copied["before"][0].attempts) == 1 and len(copied["read"][0].attempts) == 1


def test_set_state_lets_a_failed_execution_continue(fleet, tmp_path):
    runtime, env = fleet
    failed = finish(runtime, runtime.submit("it.restart", "needs_file",
                                            {"path": str(tmp_path / "absent")}).id)
    assert failed.state is State.FAILED
    [read] = runs_by_task(runtime.task_runs(failed.id))["read"]
    result = CliRunner().invoke(execution_cli, ["set-state", failed.id, read.id, "success"],
                                env=env)
    assert result.exit_code == 0, result.output
    ended = wait_for(lambda: (e := runtime.get(failed.id)).state is State.SUCCESS and e, 30,
                     "the execution to succeed")
    runs = runs_by_task(runtime.task_runs(ended.id))
    assert runs["read"][0].state is State.SUCCESS and runs["after"][0].state is State.SUCCESS
