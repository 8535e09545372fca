"""What the execution's topology and Gantt pages compute from its task runs. Pure: task
runs and an instant in, values for the templates out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from podium.api.ui.rendering import duration
from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.state import State

# The state a node shows when its task ran several times (loops, restarts): a failure
# first, then what is still going on, then the rest; SUCCESS only when all succeeded.
_SHOWN_FIRST = (State.FAILED, State.KILLED, State.KILLING, State.RUNNING, State.RETRYING,
                State.PAUSED, State.QUEUED, State.CREATED, State.RESTARTED, State.WARNING,
                State.CANCELLED, State.RETRIED, State.SUCCESS, State.SKIPPED)


@dataclass
class TaskState:
    state: State
    runs: int


def task_states(runs: list[TaskRun]) -> dict[str, TaskState]:
    """Each task's shown state and how many task runs it has."""
    by_task: dict[str, list[State]] = {}
    for run in runs:
        by_task.setdefault(run.task_id, []).append(run.history.current)
    return {task: TaskState(min(states, key=_SHOWN_FIRST.index), len(states))
            for task, states in by_task.items()}


@dataclass
class Segment:
    """Part of a bar, in percent of the chart's width."""
    left: float
    width: float
    state: State
    title: str


@dataclass
class GanttRow:
    run: TaskRun
    depth: int
    left: float
    width: float
    duration: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Gantt:
    rows: list[GanttRow]
    total: str  # the chart's width as a duration
    run_count: int  # every task run, when `rows` holds only the first ones


def gantt(execution: Execution, runs: list[TaskRun], now: datetime,
          limit: int = 1000) -> Gantt:
    """One row per task run (the first `limit`), children under their parent, bars placed
    relative to the execution's start; a bar has one segment per attempt."""
    origin = execution.history.start_date or now
    until = execution.history.end_date or now
    scale = _Scale(origin, max((until - origin).total_seconds(), 0.001))
    rows = [_row(run, depth, scale, now) for run, depth in _tree_order(runs)[:limit]]
    return Gantt(rows, duration(origin, until), len(runs))


@dataclass
class _Scale:
    origin: datetime
    seconds: float

    def at(self, when: datetime) -> float:
        percent = (when - self.origin).total_seconds() / self.seconds * 100
        return min(100.0, max(0.0, percent))


def _row(run: TaskRun, depth: int, scale: _Scale, now: datetime) -> GanttRow:
    start, end = run.history.start_date or now, run.history.end_date or now
    left = scale.at(start)
    segments = [_segment(a, scale, now) for a in run.attempts if a.started is not None]
    if not segments:  # a flowable task has no attempt: its own span, in its state
        segments = [Segment(left, _width(left, scale.at(end)), run.history.current,
                            run.history.current.value)]
    return GanttRow(run, depth, left, _width(left, scale.at(end)),
                    duration(run.history.start_date, run.history.end_date), segments)


def _segment(attempt: Attempt, scale: _Scale, now: datetime) -> Segment:
    left = scale.at(attempt.started)
    right = scale.at(attempt.ended or now)
    title = (f"attempt {attempt.number}: {attempt.state.value}, "
             f"{duration(attempt.started, attempt.ended)}")
    return Segment(left, _width(left, right), attempt.state, title)


def _width(left: float, right: float) -> float:
    return max(0.4, right - left)  # a task of a few ms still shows


def _tree_order(runs: list[TaskRun]) -> list[tuple[TaskRun, int]]:
    """Depth first by creation order, each run under its parent."""
    ids = {run.id for run in runs}
    children: dict[str | None, list[TaskRun]] = {}
    for run in sorted(runs, key=lambda r: r.seq):
        parent = run.parent_task_run_id if run.parent_task_run_id in ids else None
        children.setdefault(parent, []).append(run)
    ordered: list[tuple[TaskRun, int]] = []

    def visit(parent: str | None, depth: int) -> None:
        for run in children.get(parent, []):
            ordered.append((run, depth))
            visit(run.id, depth + 1)

    visit(None, 0)
    return ordered
