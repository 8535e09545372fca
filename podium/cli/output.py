"""Human-readable execution summaries for the terminal: the task runs as Kestra's execution
tree (each under the flowable task run that created it, indented, its loop value beside its
task id), and a live view of that tree while an execution runs (on a terminal only)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from podium.common.errors import PodiumError
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.store.logs import LogRecord

STATE_STYLE = {"SUCCESS": "green", "WARNING": "yellow", "FAILED": "red", "KILLED": "red",
               "SKIPPED": "dim", "RUNNING": "cyan", "CREATED": "dim", "PAUSED": "magenta"}
INDENT = "  "  # per level of the tree
LIVE_REFRESH_SECONDS = 0.2

# What the live view reads again at each refresh: the execution and its task runs.
Snapshot = Callable[[], tuple[Execution, list[TaskRun]]]


def _duration(history) -> str:
    start, end = history.start_date, history.end_date
    return f"{(end - start).total_seconds():.3f}s" if start and end else "-"


def tree_order(task_runs: list[TaskRun]) -> list[tuple[int, TaskRun]]:
    """The task runs with their depth, each right after its parent task run and before its
    parent's next child, siblings in creation order: Kestra's execution tree. A run whose
    parent is not among them stays at the top level."""
    known = {run.id for run in task_runs}
    children: dict[str | None, list[TaskRun]] = {}
    for run in sorted(task_runs, key=lambda r: r.seq):
        parent = run.parent_task_run_id if run.parent_task_run_id in known else None
        children.setdefault(parent, []).append(run)
    ordered: list[tuple[int, TaskRun]] = []
    pending = [(0, run) for run in reversed(children.get(None, []))]
    while pending:  # depth first, without recursion (a tree may be deep)
        depth, run = pending.pop()
        ordered.append((depth, run))
        pending.extend((depth + 1, child) for child in reversed(children.get(run.id, [])))
    return ordered


def task_label(depth: int, run: TaskRun) -> Text:
    """The task id, indented by its depth, with its loop value (or iteration) when it has
    one."""
    label = Text(INDENT * depth + run.task_id)
    if run.value is not None:
        label.append(f" {run.value}", style="bold")
    elif run.iteration is not None:
        label.append(f" #{run.iteration}", style="bold")
    return label


def _state(state: State) -> Text:
    return Text(state.value, style=STATE_STYLE.get(state.value, ""))


def task_tree(task_runs: list[TaskRun], with_outputs: bool = True) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    columns = ["task", "state", "attempts", "duration"] + (["outputs"] if with_outputs else [])
    for column in columns:
        table.add_column(column)
    for depth, run in tree_order(task_runs):
        cells = [task_label(depth, run), _state(run.state), str(len(run.attempts)),
                 _duration(run.history)]
        if with_outputs:
            cells.append(_short(json.dumps(run.outputs, default=str)) if run.outputs else "")
        table.add_row(*cells)
    return table


def _headline(execution: Execution) -> Text:
    state = execution.state.value
    line = Text()
    line.append(f"{execution.namespace}.{execution.flow_id}", style="bold")
    line.append(f" execution {execution.id}: ")
    line.append(state, style=STATE_STYLE.get(state, ""))
    line.append(f" in {_duration(execution.history)}")
    return line


def print_execution(execution: Execution, task_runs: list[TaskRun], logs: list[LogRecord],
                    console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    console.print(_headline(execution))
    console.print(task_tree(task_runs))
    if execution.outputs:
        console.print("[bold]outputs[/] " + json.dumps(execution.outputs, default=str))
    if execution.error:
        console.print(f"[red]error[/] {execution.error}")
    if logs:
        console.print("[bold]logs[/]")
        names = {run.id: run.task_id for run in task_runs}
        for entry in logs:
            who = names.get(entry.task_run_id, "execution")
            console.print(f"  {entry.timestamp:%H:%M:%S.%f}"[:-3] + f" {entry.level:<5} {who}: {entry.message}",
                          markup=False)


def progress(execution: Execution, task_runs: list[TaskRun]) -> Group:
    """What the live view shows: the headline and the tree, without outputs."""
    return Group(_headline(execution), task_tree(task_runs, with_outputs=False))


def follow_live(snapshot: Snapshot, timeout: float | None,
                console: Console | None = None) -> Execution:
    """Redraw the execution tree until the execution ends or pauses; the view is erased at
    the end (the caller prints the final summary). PodiumError after `timeout` seconds."""
    deadline = time.monotonic() + timeout if timeout else None
    with Live(console=console or Console(highlight=False), transient=True,
              auto_refresh=False) as display:
        while True:
            current, runs = snapshot()
            display.update(progress(current, runs), refresh=True)
            if current.state.is_terminated or current.state is State.PAUSED:
                return current
            if deadline and time.monotonic() > deadline:
                raise PodiumError(f"execution {current.id} still {current.state.value} "
                                  f"after {timeout}s")
            time.sleep(LIVE_REFRESH_SECONDS)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
