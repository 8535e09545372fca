"""Message marks: what `Transport.locate` looks for, derived from a payload alone."""

from __future__ import annotations

from podium.common.messages import (
    KillExecution,
    ResubmitAttempt,
    RunTask,
    StartExecution,
    TaskResult,
    attempt_marks,
)
from podium.common.models.state import State
from podium.common.transport.base import message_mark


def test_attempt_messages_are_marked_by_kind_task_run_and_attempt():
    run = RunTask(execution_id="e", task_run_id="r", attempt=2, namespace="n", flow_id="f",
                  flow_revision=1, task={"id": "t", "type": "x"}, context={})
    result = TaskResult(execution_id="e", task_run_id="r", attempt=2, state=State.SUCCESS)
    assert (message_mark(run.encode()), message_mark(result.encode())) == attempt_marks("r", 2)
    assert message_mark(ResubmitAttempt(execution_id="e", task_run_id="r",
                                        attempt=2).encode()) == "resubmit_attempt:r:2"
    assert attempt_marks("r", 2) != attempt_marks("r", 3)


def test_execution_messages_are_marked_by_kind_and_execution():
    assert message_mark(StartExecution(execution_id="e").encode()) == "start_execution:e"
    assert message_mark(KillExecution(execution_id="e").encode()) == "kill_execution:e"


def test_other_payloads_carry_no_mark():
    assert message_mark({"id": "plain"}) is None
    assert message_mark({"kind": "dead_letter", "queue": "q", "payload": {}}) is None
    assert message_mark({"kind": 3, "execution_id": "e"}) is None
