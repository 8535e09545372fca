"""What a committed Decision counts in the metrics (common/observability/metrics.py).

`observe()` is pure: the decision, the execution and task runs as they were before it, and
the flow revision (for task types) give an `Observed`. `ExecutorService.handle` records it
only once the transaction committed, so a rolled-back message counts nothing but
`podium_executor_messages_ignored_total`. Counting rules, chosen so that the sums over
every executor equal the store's counts at the end of a run:

* an execution *started* when RUNNING appears in its history for the first time;
* an execution *ended* when it becomes terminal (it ends again after a restart);
* a task run *ended* when it is terminal now and was not before this decision (or was
  created terminal, e.g. SKIPPED). A run re-written in the same terminal state (folded
  into its loop, moved under a restart) does not count again.

Cheap by design: it looks only at the decision's created and updated runs, and at the
working set only when a run became terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from podium.common.flow.model import Flow
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State, StateHistory
from podium.common.observability import metrics
from podium.executor.engine.commands import Decision

UNKNOWN_TYPE = "unknown"


@dataclass(frozen=True)
class Observed:
    started: tuple[str, ...] = ()  # namespaces of executions that started
    ended: tuple[tuple[str, str, float], ...] = ()  # (namespace, state, seconds)
    task_runs: tuple[tuple[str, str, float], ...] = ()  # (task type, state, seconds)

    def __bool__(self) -> bool:
        return bool(self.started or self.ended or self.task_runs)


NOTHING = Observed()


def observe(decision: Decision, before: Execution, before_runs: Iterable[TaskRun],
            flow: Flow | None) -> Observed:
    execution = decision.execution
    started: tuple[str, ...] = ()
    ended: tuple[tuple[str, str, float], ...] = ()
    if execution.history is not before.history:
        if _entered(execution.history, State.RUNNING) and not _entered(before.history,
                                                                         State.RUNNING):
            started = (execution.namespace,)
        if execution.state.is_terminated and not before.state.is_terminated:
            ended = ((execution.namespace, execution.state.value, _seconds(execution.history)),)
    ending = [run for run in decision.created if run.state.is_terminated]
    updated = [run for run in decision.updated if run.state.is_terminated]
    if updated:
        ids = {run.id for run in updated}
        was_terminated = {run.id: run.state.is_terminated for run in before_runs
                          if run.id in ids}
        ending += [run for run in updated if not was_terminated.get(run.id, False)]
    if not ending and not started and not ended:
        return NOTHING
    index = flow.task_index() if flow is not None else {}
    task_runs = tuple((_type(index.get(run.task_id)), run.state.value, _seconds(run.history))
                      for run in ending)
    return Observed(started, ended, task_runs)


def record(observed: Observed) -> None:
    """Add a committed decision's counts to this process's metrics."""
    if not observed:
        return
    m = metrics.get()
    for namespace in observed.started:
        m.executions_started.labels(namespace).inc()
    for namespace, state, seconds in observed.ended:
        m.executions_ended.labels(namespace, state).inc()
        m.execution_duration.labels(namespace, state).observe(seconds)
    for task_type, state, seconds in observed.task_runs:
        m.task_runs_ended.labels(task_type, state).inc()
        m.task_run_duration.labels(task_type, state).observe(seconds)


def _entered(history: StateHistory, state: State) -> bool:
    return any(entry.state is state for entry in history.histories)


def _seconds(history: StateHistory) -> float:
    start, end = history.start_date, history.end_date
    if start is None or end is None:
        return 0.0
    return max(0.0, (end - start).total_seconds())


def _type(task: object) -> str:
    return getattr(type(task), "TYPE", "") or UNKNOWN_TYPE if task is not None else UNKNOWN_TYPE
