"""The execution summary Kestra's `*Execution` notification tasks (MailExecution,
SlackExecution...) send: ``execution_summary(ctx, execution_id)`` reads the execution and
its task runs from the store (the read-only handle the worker gives its tasks) and returns
Kestra's template variables: `execution` (the API's execution map, `taskRunList`
included), `duration` (``HH:MM:SS.mmm``), `startDate`, `lastTask` and `firstFailed` (a
task run map, or False when none failed), `link` when the execution has a UI address.

Another execution (`executionId` of a Flow trigger) is waited for until it ends, as
Kestra does; the current one is summarised as it is (it cannot end while its task runs)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from podium.common.models.state import State
from podium.sdk import TaskFailure

__all__ = ["execution_summary", "human_duration"]

WAIT_SECONDS = 600  # Kestra's maxDuration for an execution not terminated yet


def human_duration(seconds: float) -> str:
    """Kestra's State.humanDuration (commons-lang formatDurationHMS): 00:01:02.345."""
    millis = int(round(max(seconds, 0) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _load(ctx: Any, execution_id: str) -> tuple[Any, list[Any]]:
    # The store (SQLAlchemy) is imported here, not at the top: notification plugins import
    # this module at load time, where only the task classes are wanted.
    from podium.common.store import get_execution
    from podium.common.store.task_runs import load_task_runs

    with ctx.store.read() as conn:
        execution = get_execution(conn, execution_id)
        runs = load_task_runs(conn, execution_id) if execution is not None else []
    if execution is None:
        raise TaskFailure(f"Unable to find execution '{execution_id}' (`executionId`)")
    return execution, runs


def _wait_ended(ctx: Any, execution_id: str) -> tuple[Any, list[Any]]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        execution, runs = _load(ctx, execution_id)
        if execution.history.current.is_terminated or time.monotonic() > deadline:
            return execution, runs
        ctx.check_killed()
        time.sleep(1)  # polling the store: no event reaches a worker when it ends


def execution_summary(ctx: Any, execution_id: str) -> dict[str, Any]:
    if getattr(ctx, "store", None) is None:
        raise TaskFailure("this task needs the store, which this worker was not given")
    current = (ctx.context.get("execution") or {}).get("id")
    own_run = (ctx.context.get("taskrun") or {}).get("id")
    is_current = execution_id == current
    execution, runs = _load(ctx, execution_id) if is_current \
        else _wait_ended(ctx, execution_id)
    runs = sorted((r for r in runs if r.id != own_run), key=lambda r: r.seq)
    start = execution.history.start_date
    end = execution.history.end_date or datetime.now(timezone.utc)
    shown = execution.to_api(runs)
    failed = [r for r in shown["taskRunList"] if r["state"]["current"] == State.FAILED.value]
    summary: dict[str, Any] = {
        "execution": shown,
        "duration": human_duration((end - start).total_seconds()) if start else "",
        "startDate": shown["state"]["startDate"],
        # Kestra shows the last task run; the first failed one is what the reader needs
        # (the notifying task itself, still running, is left out).
        "firstFailed": failed[0] if failed else False,
    }
    if shown["taskRunList"]:
        summary["lastTask"] = shown["taskRunList"][-1]
    return summary
