"""The Approval task in the pure core, on the flows of Kestra's ApprovalTest
(core/src/test/resources/flows/valids/approval-*.yaml)."""

from __future__ import annotations

from datetime import timedelta

from podium.common.messages import ResumeExecution, ReviewExecution
from podium.common.models.state import State
from podium.executor.engine.commands import ExecutionEnded, KillRunningTasks
from tests.unit.executor.harness import Harness

APPROVAL = "io.kestra.plugin.core.flow.Approval"
LOG = "io.kestra.plugin.core.log.Log"


def log(task_id: str, pad: str) -> str:
    return f"{pad}- id: {task_id}\n{pad}  type: {LOG}\n{pad}  message: \"{task_id}\"\n"


def approval(extra: str = "", pad: str = "  ", task_id: str = "approval",
             on_wait: str = "notify", suffix: str = "") -> str:
    inner = pad + "  "
    text = f"{pad}- id: {task_id}\n{pad}  type: {APPROVAL}\n"
    text += "".join(f"{inner}{line}\n" for line in extra.splitlines())
    if on_wait:
        text += f"{inner}onWait:\n" + log(on_wait, inner + "  ")
    text += f"{inner}onApprove:\n" + log(f"approved{suffix}", inner + "  ")
    text += f"{inner}onDeny:\n" + log(f"denied{suffix}", inner + "  ")
    return text


def flow(body: str, tail: str = "") -> str:
    return "id: f\nnamespace: io.kestra.tests\ntasks:\n" + body + tail


def review(h: Harness, decision: str, task_id: str = "approval", comment: str | None = "ok",
           **extra):
    run = h.by_task(task_id)[0]
    return h.send(ReviewExecution(execution_id=h.execution.id, task_run_id=run.id,
                                  decision=decision, comment=comment, **extra))


def drive(h: Harness) -> None:
    """Answer every dispatch not answered yet (Logs succeed)."""
    answered = getattr(h, "_answered", 0)
    while answered < len(h.dispatched):
        h.result(h.dispatched[answered], "SUCCESS")
        answered += 1
    h._answered = answered


def paused(source: str) -> Harness:
    h = Harness(source)
    h.start()
    drive(h)
    assert h.execution.state is State.PAUSED, h.states()
    return h


def test_on_wait_runs_then_the_execution_pauses_until_approved():
    h = paused(flow(approval(), log("last", "  ")))
    assert h.states() == {"approval": "PAUSED", "notify": "SUCCESS"}
    review(h, "APPROVED", comment="looks good", by="alice")
    drive(h)
    assert h.execution.state is State.SUCCESS
    assert h.states() == {"approval": "SUCCESS", "notify": "SUCCESS", "approved": "SUCCESS",
                          "last": "SUCCESS"}
    outputs = h.by_task("approval")[0].outputs
    assert outputs["url"] == f"/ui/executions/io.kestra.tests/f/{h.execution.id}"
    assert outputs["decision"] == "APPROVED" and outputs["comment"] == "looks good"
    assert outputs["by"] == "alice" and outputs["auto"] is False and outputs["inputs"] == {}


def test_a_denial_runs_on_deny_then_cancels_the_execution_by_default():
    h = paused(flow(approval(), log("after", "  ")))
    review(h, "DENIED", comment="no")
    drive(h)
    assert h.execution.state is State.CANCELLED
    assert h.states()["denied"] == "SUCCESS" and "after" not in h.states()
    assert any(isinstance(c, ExecutionEnded) for c in h.decisions[-1].commands)


def test_a_second_decision_on_the_same_run_is_ignored():
    h = paused(flow(approval(), log("last", "  ")))
    review(h, "APPROVED")
    assert review(h, "DENIED", comment="changed my mind").ignored == \
        f"task run {h.by_task('approval')[0].id} is not paused"


def test_auto_approve_skips_the_wait_and_runs_on_approve():
    h = Harness(flow(approval("autoApprove: true")))
    assert h.run() is State.SUCCESS
    assert "PAUSED" not in [e.state.value for e in h.execution.history.histories]
    assert "notify" not in h.states() and "denied" not in h.states()
    outputs = h.by_task("approval")[0].outputs
    assert outputs["decision"] == "APPROVED" and outputs["auto"] is True


def test_auto_approve_is_rendered_per_execution():
    source = flow(approval("autoApprove: \"{{ inputs.auto }}\""))
    source = source.replace("tasks:\n", "inputs:\n  - id: auto\n    type: BOOL\ntasks:\n", 1)
    assert Harness(source, inputs={"auto": True}).run() is State.SUCCESS
    h = Harness(source, inputs={"auto": False})
    assert h.run() is State.PAUSED


def test_the_timeout_expires_the_request_runs_finally_and_cancels():
    source = flow(approval("timeout: PT1S\nfinally:\n  - id: cleanup\n    type: "
                           f"{LOG}\n    message: Cleanup"))
    h = paused(source)
    run = h.by_task("approval")[0]
    [timer] = h.timers
    assert timer.kind == "approval_expire" and run.outputs["due"]
    h.fire_timers()
    drive(h)
    assert h.execution.state is State.CANCELLED
    assert "approved" not in h.states() and "denied" not in h.states()
    assert h.states()["cleanup"] == "SUCCESS"
    outputs = h.by_task("approval")[0].outputs
    assert outputs["decision"] == "EXPIRED" and outputs["by"] is None


def test_approve_behavior_succeed_ends_the_whole_execution():
    h = paused(flow(approval("approveBehavior: SUCCEED"), log("after", "  ")))
    review(h, "APPROVED")
    drive(h)
    assert h.execution.state is State.SUCCESS and "after" not in h.states()


def test_a_failing_branch_is_not_hidden_by_the_behavior():
    source = flow(approval("approveBehavior: SUCCEED")).replace(
        f"- id: approved\n        type: {LOG}\n        message: \"approved\"",
        "- id: approved\n        type: io.kestra.plugin.core.execution.Fail")
    h = paused(source)
    review(h, "APPROVED")
    answered = h._answered
    h.result(h.dispatched[answered], "FAILED")
    assert h.execution.state is State.FAILED


def test_approve_behavior_fail_goes_through_the_flows_errors():
    h = paused(flow(approval("approveBehavior: FAIL"), "errors:\n" + log("cleanup", "  ")))
    review(h, "APPROVED")
    drive(h)
    assert h.execution.state is State.FAILED
    assert h.states()["approval"] == "FAILED" and h.states()["cleanup"] == "SUCCESS"


def test_a_failing_on_wait_runs_finally_once_and_never_pauses():
    source = flow(approval("finally:\n  - id: cleanup\n    type: " + LOG +
                           "\n    message: Cleanup")).replace(
        f"- id: notify\n        type: {LOG}\n        message: \"notify\"",
        "- id: notify\n        type: io.kestra.plugin.core.execution.Fail")
    h = Harness(source)
    h.start()
    h.result(h.dispatched[0], "FAILED")
    drive(h)
    assert h.execution.state is State.FAILED
    assert h.states() == {"approval": "FAILED", "notify": "FAILED", "cleanup": "SUCCESS"}
    assert "PAUSED" not in [e.state.value for e in h.execution.history.histories]


def test_deny_behavior_kill_kills_a_running_sibling():
    body = ("  - id: parallel\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
            "      - id: sleep\n        type: io.kestra.plugin.core.flow.Sleep\n"
            "        duration: PT30S\n" + approval("denyBehavior: KILL", pad="      "))
    h = Harness(flow(body))
    h.start()
    sleep = next(d for d in h.dispatched if d.task_run.task_id == "sleep")
    notify = next(d for d in h.dispatched if d.task_run.task_id == "notify")
    h.result(notify, "SUCCESS")
    assert h.execution.state is State.PAUSED
    review(h, "DENIED", comment="no")
    denied = h.dispatched[-1]
    decision = h.result(denied, "SUCCESS")
    assert h.execution.state is State.KILLED
    assert h.states()["sleep"] == "KILLED"
    killed = [c for c in decision.commands if isinstance(c, KillRunningTasks)]
    assert killed and sleep.task_run.id in killed[0].task_run_ids


def test_sibling_approvals_pause_independently():
    body = ("  - id: parallel\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
            + approval(pad="      ", task_id="approvalA", on_wait="", suffix="A")
            + approval(pad="      ", task_id="approvalB", on_wait="", suffix="B"))
    h = paused(flow(body))
    assert h.states() == {"parallel": "RUNNING", "approvalA": "PAUSED", "approvalB": "PAUSED"}
    review(h, "APPROVED", task_id="approvalA")
    assert h.execution.state is State.PAUSED and not h.dispatched  # B still awaits
    review(h, "APPROVED", task_id="approvalB")
    drive(h)
    assert h.execution.state is State.SUCCESS
    assert {"approvedA", "approvedB"} <= set(h.states())


def test_a_plain_resume_skips_both_branches():
    h = paused(flow(approval(), log("last", "  ")))
    h.send(ResumeExecution(execution_id=h.execution.id))
    drive(h)
    assert h.execution.state is State.SUCCESS
    assert "approved" not in h.states() and "denied" not in h.states()


def test_the_expiry_is_not_applied_once_decided():
    h = paused(flow(approval("timeout: PT1H"), log("last", "  ")))
    review(h, "APPROVED")
    drive(h)
    h.now += timedelta(hours=2)
    h.fire_timers()
    assert h.execution.state is State.SUCCESS
    assert h.by_task("approval")[0].outputs["decision"] == "APPROVED"
