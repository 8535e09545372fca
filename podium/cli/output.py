"""Human-readable execution summaries for the terminal."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from podium.common.models.execution import Execution, TaskRun
from podium.common.store.logs import LogRecord

STATE_STYLE = {"SUCCESS": "green", "WARNING": "yellow", "FAILED": "red", "KILLED": "red",
               "SKIPPED": "dim", "RUNNING": "cyan", "CREATED": "dim", "PAUSED": "magenta"}


def _duration(history) -> str:
    start, end = history.start_date, history.end_date
    return f"{(end - start).total_seconds():.3f}s" if start and end else "-"


def print_execution(execution: Execution, task_runs: list[TaskRun], logs: list[LogRecord],
                    console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    state = execution.state.value
    console.print(f"[bold]{execution.namespace}.{execution.flow_id}[/] execution {execution.id}: "
                  f"[{STATE_STYLE.get(state, '')}]{state}[/] in {_duration(execution.history)}")
    table = Table(show_edge=False, pad_edge=False)
    for column in ("task", "value", "state", "attempts", "duration", "outputs"):
        table.add_column(column)
    for run in task_runs:
        run_state = run.state.value
        table.add_row(run.task_id, run.value or "", f"[{STATE_STYLE.get(run_state, '')}]{run_state}[/]",
                      str(len(run.attempts)), _duration(run.history),
                      _short(json.dumps(run.outputs, default=str)) if run.outputs else "")
    console.print(table)
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


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
