"""Messages between services: frozen, versioned, JSON-only.

Executor queue: StartExecution, TaskResult, KillExecution, ResumeExecution, ReviewExecution,
TimerFired, SubflowEnded, ResubmitAttempt.
Worker queues: RunTask. Kill broadcast: KillTask.
Every task-attempt message carries (execution_id, task_run_id, attempt); the executor
ignores a result whose attempt is not the task run's current running attempt, so a
duplicate or stale delivery is a no-op.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from podium.common.models.state import State
from podium.common.transport.base import attempt_mark

VERSION = 1


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = VERSION
    execution_id: str

    def encode(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @property
    def idempotency_key(self) -> str:
        return f"{self.kind}:{self.execution_id}"  # type: ignore[attr-defined]


class StartExecution(Message):
    """A CREATED execution (already stored) is ready to be started. `without_runs`: it was
    stored with no task runs (a new execution, not a replay's copy), so the executor need
    not look for any while it is still CREATED."""

    kind: Literal["start_execution"] = "start_execution"
    without_runs: bool = False


class ChildRun(BaseModel):
    """One child of a WorkingDirectory as the worker ran it; the executor records it as a
    task run of its own (executor/engine/features/working_directory.py)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str | None = None
    """The task run id the worker gave it (its logs are already stored under it)."""
    task_id: str
    state: State
    outputs: dict[str, Any] | None = None
    error: str | None = None
    started: datetime | None = None
    ended: datetime | None = None
    log_file: str | None = None
    """logToFile: the kestra:// URI of the file holding its log lines."""
    cache_key: str | None = None
    """taskCache: where the executor keeps its outputs if it succeeded."""


class LogLine(BaseModel):
    """A log line of an attempt that travels with its result instead of being stored by
    the worker; the executor stores it in the transaction that records the result."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    task_run_id: str | None = None
    task_id: str | None = None
    attempt: int | None = None
    level: str
    message: str
    timestamp: datetime


class TaskResult(Message):
    """The outcome of one task attempt, reported by the worker that ran it."""

    kind: Literal["task_result"] = "task_result"
    task_run_id: str
    attempt: int
    state: State
    outputs: dict[str, Any] | None = None
    error: str | None = None
    labels: list[dict[str, Any]] | None = None  # set by execution.Labels-like tasks
    started: datetime | None = None
    ended: datetime | None = None
    worker_id: str | None = None
    # A WorkingDirectory's children as the worker ran them, in order.
    children: list[ChildRun] | None = None
    # The attempt's last log lines, not yet stored: the executor appends them in the
    # transaction that records the result, which spares the worker a commit per task.
    logs: list[LogLine] | None = None
    # logToFile: the kestra:// URI of the file holding the attempt's log lines.
    log_file: str | None = None
    # The task's `assets` as rendered for this attempt: {inputs, outputs} (AssetsInOut).
    assets: dict[str, Any] | None = None
    # taskCache: the key the worker computed for a run it did not find cached; the executor
    # stores the outputs under it when the attempt succeeds (common/task_cache.py).
    cache_key: str | None = None

    @property
    def idempotency_key(self) -> str:
        return f"task_result:{self.execution_id}:{self.task_run_id}:{self.attempt}"


class KillExecution(Message):
    """Kill the execution. A second kill also stops its afterExecution tasks, so a copy of
    one kill (a duplicate delivery) must not count as a second: `request_id` tells them
    apart (a kill sent without one is always a new one)."""

    kind: Literal["kill_execution"] = "kill_execution"
    request_id: str = Field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def idempotency_key(self) -> str:
        return f"kill_execution:{self.execution_id}:{self.request_id}"


class ResumeExecution(Message):
    """Resume the first PAUSED task run. With parallel pauses each resume moves one on, so
    a copy of one resume must not resume the next: `request_id` tells them apart."""

    kind: Literal["resume_execution"] = "resume_execution"
    inputs: dict[str, Any] | None = None
    request_id: str = Field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def idempotency_key(self) -> str:
        return f"resume_execution:{self.execution_id}:{self.request_id}"


class ReviewExecution(Message):
    """A reviewer's decision on a PAUSED Approval task run (checked by the submitter)."""

    kind: Literal["review_execution"] = "review_execution"
    task_run_id: str
    decision: Literal["APPROVED", "DENIED"]
    comment: str | None = None
    inputs: dict[str, Any] | None = None  # the Approval's `inputs`, typed as JSON
    by: str | None = None  # who decided, when known
    on: datetime | None = None

    @property
    def idempotency_key(self) -> str:
        return f"review_execution:{self.execution_id}:{self.task_run_id}"


class TimerFired(Message):
    """A delay the executor stored (retry, pause delay/timeout, scheduled start) is due."""

    kind: Literal["timer_fired"] = "timer_fired"
    timer_id: str
    timer_kind: str
    task_run_id: str | None = None


class RunTask(Message):
    """Run one attempt of a runnable task. `task` is the task's definition after
    pluginDefaults, not yet rendered: the worker renders it."""

    kind: Literal["run_task"] = "run_task"
    task_run_id: str
    attempt: int
    task: dict[str, Any]
    context: dict[str, Any]  # the expression variables, as the executor built them
    namespace: str
    flow_id: str
    flow_revision: int

    @property
    def idempotency_key(self) -> str:
        return f"run_task:{self.execution_id}:{self.task_run_id}:{self.attempt}"


class KillTask(Message):
    """Stop every attempt of this execution (or of one task run) running on a worker, up
    to `attempt` (the one running at the kill; None: any): a restart's later attempt of
    the run is not stopped, even by a worker that remembers the kill."""

    kind: Literal["kill_task"] = "kill_task"
    task_run_id: str | None = None
    attempt: int | None = None


class RestartExecution(Message):
    """Re-run the FAILED/KILLED (or PAUSED) task runs of a terminated or paused execution,
    in the same execution (Kestra's restart)."""

    kind: Literal["restart_execution"] = "restart_execution"


class ReplayExecution(Message):
    """Run a terminated execution again as a new one (`new_execution_id`, chosen by the
    caller), from scratch or from `task_run_id` (earlier task runs are copied)."""

    kind: Literal["replay_execution"] = "replay_execution"
    task_run_id: str | None = None
    new_execution_id: str

    @property
    def idempotency_key(self) -> str:
        return f"replay_execution:{self.execution_id}:{self.new_execution_id}"


class SetTaskRunState(Message):
    """Force a terminated (or paused) task run to SUCCESS / FAILED / WARNING and let the
    execution continue from there (Kestra's markAs)."""

    kind: Literal["set_task_run_state"] = "set_task_run_state"
    task_run_id: str
    state: State

    @property
    def idempotency_key(self) -> str:
        return f"set_task_run_state:{self.execution_id}:{self.task_run_id}:{self.state.value}"


class SubflowEnded(Message):
    """To a parent execution: the child a Subflow task run started has ended (`state` is the
    child's final state), was created and is not waited for (`state` CREATED), or could not
    be created or its outputs not extracted (`error`, `state` FAILED)."""

    kind: Literal["subflow_ended"] = "subflow_ended"
    task_run_id: str
    child_execution_id: str | None = None
    state: State
    outputs: dict[str, Any] | None = None
    error: str | None = None
    iteration: int | None = None  # the batch, for a child of a ForEachItem

    @property
    def idempotency_key(self) -> str:
        return f"subflow_ended:{self.execution_id}:{self.task_run_id}:{self.child_execution_id}"


class ResubmitAttempt(Message):
    """The worker running this attempt fell silent (no heartbeat within its timeout), or
    the attempt's messages were lost with a consumer that died (`lost`): if it is still
    the task run's running attempt, run the task again as a new attempt."""

    kind: Literal["resubmit_attempt"] = "resubmit_attempt"
    task_run_id: str
    attempt: int
    worker_id: str | None = None
    lost: bool = False

    @property
    def idempotency_key(self) -> str:
        return f"resubmit_attempt:{self.execution_id}:{self.task_run_id}:{self.attempt}"


def attempt_marks(task_run_id: str, attempt: int) -> tuple[str, str]:
    """The transport marks of an attempt's RunTask and of its TaskResult."""
    return (attempt_mark("run_task", task_run_id, attempt),
            attempt_mark("task_result", task_run_id, attempt))


ExecutorMessage = Annotated[Union[StartExecution, TaskResult, KillExecution, ResumeExecution,
                                  ReviewExecution, TimerFired, RestartExecution, ReplayExecution,
                                  SetTaskRunState, SubflowEnded, ResubmitAttempt],
                            Field(discriminator="kind")]
WorkerMessage = Annotated[Union[RunTask, KillTask], Field(discriminator="kind")]

_EXECUTOR = TypeAdapter(ExecutorMessage)
_WORKER = TypeAdapter(WorkerMessage)


def decode_executor_message(payload: dict[str, Any]) -> Message:
    return _EXECUTOR.validate_python(payload)


def decode_worker_message(payload: dict[str, Any]) -> Message:
    return _WORKER.validate_python(payload)
