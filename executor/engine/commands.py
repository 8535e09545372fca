"""What the engine decides, as data. The handler persists the decision, then turns these
commands into outgoing messages and timers, in the same transaction (the outbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from podium.common.models.execution import Execution, TaskRun


@dataclass(frozen=True)
class DispatchTask:
    """Send one attempt of a runnable task to the workers."""

    task_run: TaskRun
    attempt: int
    task: dict[str, Any]
    context: dict[str, Any]
    queue: str  # the workers' queue of its workerGroup (`common.transport.base.task_queue`)


@dataclass(frozen=True)
class ScheduleTimer:
    timer_id: str
    fire_at: datetime
    kind: str  # "retry" | "start" | "pause_delay" | "pause_timeout" | "flow_timeout"
    task_run_id: str | None = None


@dataclass(frozen=True)
class CancelTimers:
    kind: str | None = None  # None: every timer of the execution


@dataclass(frozen=True)
class KillRunningTasks:
    """Ask every worker to stop these attempts of this execution: (task run id, attempt
    number) each. A later attempt of the same run (a restart) is not stopped."""

    attempts: tuple[tuple[str, int], ...] = ()

    @property
    def task_run_ids(self) -> tuple[str, ...]:
        return tuple(run_id for run_id, _ in self.attempts)

    @classmethod
    def of(cls, runs: Iterable[TaskRun]) -> "KillRunningTasks":
        """Stop the last attempt of each of `runs`."""
        return cls(tuple((run.id, run.attempts[-1].number) for run in runs))


@dataclass(frozen=True)
class KillChildren:
    """Kill the running subflow executions of this one (as a KILLED end does), while it
    still runs its afterExecution tasks."""

    execution_id: str


@dataclass(frozen=True)
class ExecutionEnded:
    """The execution reached a terminal state (for parents, concurrency queues, triggers)."""

    execution: Execution


@dataclass(frozen=True)
class CreateExecution:
    """Insert this new CREATED execution and start it (retry as a new execution, replay).
    `task_runs`: task runs copied into it (a replay from a task run), inserted with it."""

    execution: Execution
    task_runs: tuple[TaskRun, ...] = ()
    # (source loop run id, its copy's id): the copy's loop reads the source's stored values.
    loop_values_from: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StoreLoopValues:
    """Keep a loop's rendered values apart from its task run (executor/engine/loops.py)."""

    task_run_id: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class WriteFile:
    """Put a file the engine produced into internal storage (a Loop's STORE outputs)."""

    uri: str
    content: bytes


@dataclass(frozen=True)
class StoreTaskCache:
    """Keep a cached task's outputs under the key its worker computed (taskCache)."""

    task_id: str
    key: str
    outputs: dict[str, Any] | None
    created: datetime


@dataclass(frozen=True)
class StartSubflow:
    """Create the child execution `child_execution_id` of a Subflow task run
    (executor/engine/features/subflow.py emits it)."""

    parent_execution_id: str
    parent_task_run_id: str
    task_id: str
    task_type: str
    child_execution_id: str
    namespace: str
    flow_id: str
    revision: int | None  # None: the latest revision
    inputs: dict[str, Any]
    labels: dict[str, str]  # parent labels passed down, then the task's labels
    wait: bool
    trigger: dict[str, Any]
    outputs: dict[str, Any] | None = None  # deprecated Subflow.outputs, rendered on the child
    schedule_date: datetime | None = None
    iteration: int | None = None  # the batch of a ForEachItem


Command = (DispatchTask | ScheduleTimer | CancelTimers | KillRunningTasks | KillChildren
           | ExecutionEnded | CreateExecution | StoreLoopValues | WriteFile | StoreTaskCache
           | StartSubflow)


@dataclass
class Decision:
    """The outcome of processing one message over one locked execution."""

    execution: Execution
    execution_changed: bool = False
    created: list[TaskRun] = field(default_factory=list)
    updated: list[TaskRun] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    ignored: str | None = None  # why a duplicate or stale message changed nothing
    logs: list[tuple[str | None, str, str]] = field(default_factory=list)  # (task_run_id, level, msg)
    deleted: list[str] = field(default_factory=list)  # task run ids removed (restart)
    # Task ids whose folded runs a render needs: call `process` again with them loaded.
    needs_folded: set[str] = field(default_factory=set)
