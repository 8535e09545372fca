"""A killed execution runs its afterExecution tasks (Kestra runs them once the execution is
terminated, KILLED included) and its running subflow executions are killed at once, on the
embedded runtime."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.messages import KillExecution
from podium.common.models.state import State
from podium.common.store.executions import list_children
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.runtime import Runtime
from tests.waiting import wait_for

CHILD = """id: child
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""
PARENT = """id: parent
namespace: company.team
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: child
afterExecution:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: "{{ execution.state }}"
"""


def wait_until(predicate, timeout: float = 20):
    return wait_for(predicate, timeout)


def test_kill_runs_after_execution_and_kills_the_child(tmp_path):
    runtime = Runtime.embedded(tmp_path / "data", workers=1, environ={})
    try:
        runtime.deploy(parse_flow(CHILD))
        runtime.deploy(parse_flow(PARENT))
        parent = runtime.submit("company.team", "parent")
        child = wait_until(lambda: running_child(runtime, parent.id))
        runtime.transport.publish(EXECUTOR_QUEUE,
                                  KillExecution(execution_id=parent.id).encode())
        final = runtime.wait(parent.id, timeout=20)
        assert final.state is State.KILLED
        logs = [line.message for line in runtime.logs(parent.id) if line.task_id == "alert"]
        assert logs == ["KILLED"]
        assert runtime.wait(child.id, timeout=20).state is State.KILLED
    finally:
        runtime.close()


def running_child(runtime, parent_id: str):
    with runtime.db.read() as conn:
        return next((e for e in list_children(conn, parent_id, running=True)
                     if e.state is State.RUNNING), None)
