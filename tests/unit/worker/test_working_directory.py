"""WorkingDirectory on a worker: children in one directory, real subprocesses."""

from __future__ import annotations

import sys

import pytest

from podium.common.models.state import State
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

WD = "io.kestra.plugin.core.flow.WorkingDirectory"
SH = "io.kestra.plugin.scripts.shell.Commands"
RET = "io.kestra.plugin.core.debug.Return"
FAIL = "io.kestra.plugin.core.execution.Fail"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")


def run_wd(tasks, **props):
    ctx, logs = make_ctx(inputs={"name": "World"})
    children_logs: dict[str, list[str]] = {}

    def sink_for(run_id, task_id):
        return lambda level, text: children_logs.setdefault(task_id, []).append(text)

    ctx.log_sink_for = sink_for
    task = make_task(WD, tasks=tasks, **props)
    return run_attempt(task, ctx), ctx, children_logs


def test_children_share_the_directory_and_see_earlier_outputs():
    outcome, ctx, logs = run_wd([
        {"id": "write", "type": SH, "commands": ["echo hello {{ inputs.name }} > shared.txt",
                                                 """echo '::{"outputs": {"n": 7}}::'"""]},
        {"id": "read", "type": SH, "commands": [
            "cat shared.txt", "cat in.txt; echo",
            """echo '::{"outputs": {"seen": "'"$(cat shared.txt)"'", "n": {{ outputs.write.vars.n }}}}::'"""]},
        {"id": "ret", "type": RET, "format": "{{ task.id }} {{ outputs.read.vars.seen }}"},
        {"id": "off", "type": RET, "format": "x", "disabled": True},
    ], inputFiles={"in.txt": "from {{ inputs.name }}"})
    assert outcome.state is State.SUCCESS, outcome
    assert [c.task_id for c in outcome.children] == ["write", "read", "ret"]
    assert all(c.state == "SUCCESS" and c.id for c in outcome.children)
    read = outcome.children[1]
    assert read.outputs["vars"] == {"seen": "hello World", "n": 7}
    assert outcome.children[2].outputs == {"value": "ret hello World"}
    assert "hello World" in logs["read"] and "from World" in logs["read"]
    assert ctx.closed  # the shared directory went with the WorkingDirectory's attempt


def test_children_see_the_working_directory_run_as_worker_taskrun():
    # RunContextInitializer.forWorkingDirectory: workerTaskrun = the WorkingDirectory's run
    outcome, ctx, _ = run_wd([
        {"id": "a", "type": RET, "format": "{{ workerTaskrun.id }}|{{ taskrun.id }}"},
        {"id": "b", "type": RET, "format": "{{ workerTaskrun.id }}|{{ taskrun.parentId }}"},
    ])
    assert outcome.state is State.SUCCESS, outcome
    first, second = (c.outputs["value"].split("|") for c in outcome.children)
    assert first[0] == second[0] == second[1] == "tr1"  # the WorkingDirectory's task run
    assert first[1] == outcome.children[0].id != "tr1"


def test_a_failing_child_stops_the_rest():
    outcome, _, logs = run_wd([
        {"id": "ok", "type": SH, "commands": ["echo one"]},
        {"id": "boom", "type": SH, "commands": ["exit 3"]},
        {"id": "never", "type": SH, "commands": ["echo never"]},
    ])
    assert outcome.state is State.FAILED
    assert [(c.task_id, c.state) for c in outcome.children] == [
        ("ok", "SUCCESS"), ("boom", "FAILED")]
    assert outcome.children[1].outputs["exitCode"] == 3
    assert outcome.error and "never" not in logs


def test_allow_failure_child_lets_the_next_run():
    outcome, _, _ = run_wd([
        {"id": "boom", "type": FAIL, "allowFailure": True},
        {"id": "next", "type": RET, "format": "after"},
    ])
    assert outcome.state is State.WARNING
    assert [(c.task_id, c.state) for c in outcome.children] == [
        ("boom", "WARNING"), ("next", "SUCCESS")]


def test_child_outputs_are_keyed_by_the_enclosing_loop_value():
    ctx, _ = make_ctx()
    ctx.context["taskrun"] = {**ctx.context.get("taskrun", {}), "value": "v1"}
    task = make_task(WD, tasks=[
        {"id": "a", "type": RET, "format": "{{ taskrun.value }}"},
        {"id": "b", "type": RET, "format": "{{ outputs.a['v1'].value }}"}])
    outcome = run_attempt(task, ctx)
    assert [c.outputs for c in outcome.children] == [{"value": "v1"}, {"value": "v1"}]
