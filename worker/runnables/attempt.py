"""run_attempt: one attempt of a runnable task, from its model to its Outcome.

Order, as Kestra's Worker / WorkerTaskCallable:
1. the task's `logLevel` becomes the context's minimum level; typed properties given as
   expressions are rendered and checked (common/plugins/dynamic.py: a value that does not
   fit fails the attempt naming the property); its `timeout` (rendered) sets the deadline;
2. the implementation runs in a helper thread while this one watches the kill signal and the
   deadline. Implementations stop cooperatively; one that does not within STOP_GRACE_SECONDS
   is abandoned (its later logs are dropped) and the attempt ends anyway;
3. outcome: a timeout is FAILED "Timeout after PT5S" even if the task finished meanwhile;
   a kill is KILLED unless the task finished first; any exception is FAILED, its error
   logged at ERROR (Kestra's exceptionHandler);
4. allowFailure turns FAILED into WARNING when no retry is left; then allowWarning turns
   WARNING into SUCCESS (common/allowances.py, the rule the executor applies too);
5. secrets (every value the masker holds) are masked in the logs and the error message;
   outputs and labels keep them in clear, as Kestra keeps them (it masks logs, never task
   outputs: SecretFunctionTest and InputsTest read `secret()` results and SECRET inputs
   back from outputs); the working directory is removed.
With `logToFile: true` the attempt's lines go to a file stored as an output of its task
run instead of the log store; the Outcome's `log_file` is its URI (worker/log_file.py).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pydantic import ValidationError

from podium.common.allowances import fold_allowances
from podium.common.durations import parse_duration
from podium.common.errors import PodiumError, StorageError
from podium.common.models.execution import new_id
from podium.common.models.state import State
from podium.common.nul import nul_problem, storable_text
from podium.common.plugins import dynamic
from podium.common.plugins.assets import AssetsDeclaration
from podium.common.plugins.base import Task
from podium.worker.log_file import LogFile, logger_name
from podium.worker.run_context import Killed, RunContext, TimedOut, normalize_level
from podium.worker.runnables.base import Outcome, TaskFailure, implementation_for
from podium.worker.runnables.process import KILL_GRACE_SECONDS

STOP_GRACE_SECONDS = KILL_GRACE_SECONDS + 1.0
POLL_SECONDS = 0.02


def run_attempt(task: Task, ctx: RunContext, *, retry_left: bool = False) -> Outcome:
    """Run one attempt of `task`. `retry_left`: whether the task's retry policy would run
    another attempt after a failure (allowFailure only applies to the last one)."""
    log_file = _log_to_file(task, ctx)
    try:
        outcome = _run(task, ctx)
        outcome = adjust_state(task, outcome, retry_left)
        if outcome.error:  # an error message is logged: masked like every log line
            outcome.error = ctx.mask(outcome.error)
        if log_file is not None:
            outcome.log_file = _store_log_file(log_file, ctx)
        return outcome
    finally:
        if log_file is not None:
            log_file.close()
        ctx.close()


def _log_to_file(task: Task, ctx: RunContext) -> LogFile | None:
    """`logToFile: true`: this attempt's lines go to a file instead of the log sink
    (worker/log_file.py). Without internal storage the lines stay in the sink."""
    if not task.log_to_file:
        return None
    if ctx.storage is None:
        ctx.log("WARN", "logToFile needs the internal storage, which this worker has not: "
                        "the task's logs stay in the log store")
        return None
    log_file = LogFile(ctx.private_dir / f"{new_id()}.log", logger_name(ctx.context),
                       fallback=ctx.on_log)
    ctx.on_log = log_file.write
    return log_file


def _store_log_file(log_file: LogFile, ctx: RunContext) -> str | None:
    """Store the attempt's log file as an output of its task run; its URI, or None when
    storing failed (said in the log store): the attempt's own outcome stands."""
    log_file.close()
    try:
        return ctx.put_file(log_file.path, LogFile.stored_name())
    except StorageError as exc:
        if log_file.fallback is not None:
            log_file.fallback("WARN", f"the log file of this attempt could not be stored: "
                                      f"{exc.message}")
        return None


def adjust_state(task: Task, outcome: Outcome, retry_left: bool) -> Outcome:
    outcome.state = fold_allowances(outcome.state, allow_failure=task.allow_failure,
                                    allow_warning=task.allow_warning, retry_left=retry_left)
    return outcome


def _run(task: Task, ctx: RunContext) -> Outcome:
    if ctx.min_level is None and task.log_level is not None:
        ctx.min_level = normalize_level(task.log_level)
    try:
        task = dynamic.resolve(task, ctx.render_typed)
        assets = rendered_assets(task, ctx)
        _set_deadline(task, ctx)
    except Exception as exc:  # noqa: BLE001
        return _failed(ctx, exc)
    outcome = _execute(task, ctx)
    outcome.assets = assets
    return outcome


def rendered_assets(task: Task, ctx: RunContext) -> dict[str, Any] | None:
    """The task's `assets` as its run shows them: rendered, then checked again (ids and
    namespaces that held expressions). A PropertyError names what does not fit."""
    if task.assets is None:
        return None
    raw = task.assets
    if isinstance(raw, AssetsDeclaration):
        raw = raw.model_dump(mode="json", by_alias=True, exclude_none=True)
    rendered = ctx.render_typed(raw) if isinstance(raw, str) else ctx.render_value(raw)
    try:
        return AssetsDeclaration.model_validate(rendered).in_out()
    except ValidationError as exc:
        reasons = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise dynamic.PropertyError(f"Invalid value for property `assets`: {reasons}") from None


def _execute(task: Task, ctx: RunContext) -> Outcome:
    impl = implementation_for(task)
    if impl is None:
        return _failed(ctx, TaskFailure(
            f"Unable to execute the task '{task.id}': only runnable tasks can be executed by "
            f"the worker but the task is of type {task.type}"))

    done = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = impl(task, ctx)
        except BaseException as exc:  # noqa: BLE001 - every failure becomes an outcome
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name=f"podium-task-{task.id}").start()
    stop: str | None = None
    give_up_at = 0.0
    while not done.wait(POLL_SECONDS):
        if stop is None:
            stop = "killed" if ctx.killed.is_set() else "timeout" if ctx.timed_out() else None
            give_up_at = time.monotonic() + STOP_GRACE_SECONDS
        elif time.monotonic() >= give_up_at:
            break
    if stop == "timeout" or isinstance(box.get("error"), TimedOut):
        return _failed(ctx, TimedOut(ctx.timeout_message()))
    if not done.is_set():
        return Outcome(State.KILLED)
    if "error" in box:
        return _failed(ctx, box["error"])
    return _as_outcome(box.get("result"), ctx)


def _set_deadline(task: Task, ctx: RunContext) -> None:
    if task.timeout is None:
        return
    rendered = str(ctx.render(task.timeout))
    try:
        timeout = parse_duration(rendered)
    except ValueError as exc:
        raise TaskFailure(f"Invalid timeout: {exc}") from None
    deadline = time.monotonic() + timeout.total_seconds()
    if ctx.deadline is None or deadline < ctx.deadline:  # a caller's earlier deadline wins
        ctx.deadline, ctx.timeout = deadline, timeout


def _as_outcome(result: Any, ctx: RunContext) -> Outcome:
    if isinstance(result, Outcome):
        outcome = result
    elif result is None or isinstance(result, dict):
        outcome = Outcome(State.SUCCESS, outputs=result)
    else:
        return _failed(ctx, TypeError("the task implementation returned an invalid result"))
    problem = nul_problem(outcome.outputs, "Task output")
    if problem:  # PostgreSQL keeps no NUL in JSON: a clear failure, not a stuck execution
        return _failed(ctx, TaskFailure(problem))
    if outcome.metrics is None and ctx.metrics:
        outcome.metrics = list(ctx.metrics)
    return outcome


def error_message(exc: BaseException, ctx: RunContext) -> str:
    if isinstance(exc, TimedOut):
        return ctx.timeout_message()
    if isinstance(exc, PodiumError):  # TaskFailure, TemplateError, ...: written for users
        return exc.message
    text = str(exc)
    name = type(exc).__name__
    return f"Task failed: {name}: {text}" if text else f"Task failed: {name}"


def _failed(ctx: RunContext, exc: BaseException) -> Outcome:
    if isinstance(exc, Killed):
        return Outcome(State.KILLED, metrics=list(ctx.metrics) or None)
    message = storable_text(ctx.mask(error_message(exc, ctx)))
    ctx.log("ERROR", message)
    outputs = exc.outputs if isinstance(exc, TaskFailure) else None
    return Outcome(State.FAILED, outputs=outputs, error=message,
                   metrics=list(ctx.metrics) or None)
