"""Restart of a KILLED execution on the embedded runtime: the killed task runs again (a
new attempt the worker's memory of the kill must not stop) and the execution succeeds."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.messages import KillExecution
from podium.common.models.state import State
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.runtime import Runtime
from tests.waiting import wait_for

FLOW = """
id: killed
namespace: company.team
inputs:
  - id: folder
    type: STRING
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo run >> "{{ inputs.folder }}/runs"
      - 'if [ "$(wc -l < "{{ inputs.folder }}/runs")" -lt 2 ]; then sleep 60; fi'
      - 'echo "::{\\"outputs\\": {\\"n\\": 2}}::"'
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "work said {{ outputs.work.vars.n }}"
"""


def test_restart_of_a_killed_execution_runs_the_killed_task_again(tmp_path):
    runs = tmp_path / "runs"
    # The script counts its runs in a host file: unsandboxed (the sandbox hides host files).
    with Runtime.embedded(tmp_path / "data", workers=1,
                          environ={"PODIUM_WORKER__SANDBOX": "none"}) as rt:
        rt.deploy(parse_flow(FLOW))
        execution_id = rt.submit("company.team", "killed", {"folder": str(tmp_path)}).id
        wait_for(runs.exists, 20, "the task to start")
        rt.transport.publish(EXECUTOR_QUEUE, KillExecution(execution_id=execution_id).encode())
        killed = wait_for(lambda: (e := rt.get(execution_id)).state.is_terminated and e, 20,
                          "the kill")
        assert killed.state is State.KILLED

        rt.restart(execution_id)
        done = wait_for(lambda: (e := rt.get(execution_id)).attempt_number == 2
                        and e.state.is_terminated and e, 60, "the restarted execution to end")
        task_runs = {run.task_id: run for run in rt.task_runs(execution_id)}
    assert done.state is State.SUCCESS, done.error
    assert runs.read_text().split() == ["run", "run"]
    assert task_runs["work"].outputs["vars"] == {"n": 2}
    assert [a.number for a in task_runs["work"].attempts] == [1, 2]
    assert task_runs["after"].outputs == {"value": "work said 2"}
