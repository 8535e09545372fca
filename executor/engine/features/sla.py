"""Flow SLAs (Kestra's beta `sla`) and the flow-level `timeout` (a Podium addition).

Kestra (models/flows/sla/**, SLAService, ExecutorService.handleExecutionChangedSLA /
processViolation, JdbcExecutor.executionSLAMonitor):
- MAX_DURATION: a monitor fires at start + `duration`; if the execution is not terminated
  by then, the SLA is violated. Here: a "sla_max_duration" timer scheduled when the
  execution first becomes RUNNING (Kestra measures from the creation date; the difference
  is the queueing/scheduling delay), cancelled with every timer when the execution ends.
- EXECUTION_ASSERTION: `assert` is rendered on every change of a non-terminated execution;
  violated when the result is not truthy (TruthUtils). An assertion that cannot be
  rendered (unknown variable, failing function) is violated too, with its declared
  behavior and the reason "assertion could not be evaluated" (Kestra's SLAServiceTest:
  a broken assertion must not pass silently); one that only reads the outputs of a task
  of the flow that has not ended yet waits for it instead (Kestra's documented
  `{{ outputs.mytask.value == 'expected output' }}`). Kestra evaluates at the start of each
  execution message; we evaluate after `advance`, so an execution that ended in this step
  is not re-checked.
- Of the SLAs violated in one evaluation only the first acts; every violation is logged at
  WARN ("SLA 'id' violated: reason"). Violated SLA ids are remembered in
  `execution.engine.sla_violations` so a violation acts (and is logged) once.
- Acting: the SLA's `labels` are added to the execution (missing pairs only, also for
  NONE). FAIL / CANCEL (Kestra's markAs + kill): the last non-terminated task run takes
  FAILED / CANCELLED, the other non-terminated runs KILLED, the execution FAILED /
  CANCELLED, running attempts are killed. NONE changes nothing else.
- Flow `timeout` (not in Kestra): a "flow_timeout" timer at start + timeout; when it fires
  on a non-terminated execution, the execution FAILS like an SLA FAIL, with the error
  "execution timed out after <timeout>".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from podium.common.durations import parse_duration
from podium.common.errors import PodiumError, UndefinedVariableError
from podium.common.flow.model import Sla
from podium.common.messages import TimerFired
from podium.common.models.state import State
from podium.common.plugins.fields import is_expression
from podium.common.templating import is_truthy, render
from podium.executor.engine.commands import (
    CancelTimers,
    ExecutionEnded,
    KillRunningTasks,
    ScheduleTimer,
)
from podium.executor.engine.context import EngineConfig, referenced_tasks, task_context
from podium.executor.engine.view import ExecutionTx

MAX_DURATION, FLOW_TIMEOUT = "sla_max_duration", "flow_timeout"
# States in which nothing is evaluated: not started yet, queued, or being killed.
_NOT_EVALUATED = (State.CREATED, State.QUEUED, State.KILLING)
_TARGET = {"FAIL": State.FAILED, "CANCEL": State.CANCELLED}


# ------------------------------------------------------------------ after every change
def after_advance(tx: ExecutionTx, config: EngineConfig) -> None:
    state = tx.execution.state
    if state.is_terminated or state in _NOT_EVALUATED:
        return
    if tx.execution.engine.pending_final_state is not None:
        return  # ended; only its afterExecution tasks run
    if _started_now(tx):
        _schedule(tx, config)
    if tx.flow.sla:
        _check_assertions(tx, config)



def _started_now(tx: ExecutionTx) -> bool:
    """The execution entered RUNNING for the first time while handling this message."""
    started = _start_date(tx)
    return started is not None and started == tx.now


def _schedule(tx: ExecutionTx, config: EngineConfig) -> None:
    execution_id = tx.execution.id
    for sla in tx.flow.sla or []:
        if sla.type != "MAX_DURATION":
            continue
        duration = _duration(tx, config, sla.duration, f"SLA '{sla.id}'")
        if duration is not None:
            tx.emit(ScheduleTimer(timer_id=f"sla:{execution_id}:{sla.id}",
                                  fire_at=tx.now + duration[1], kind=MAX_DURATION))
    timeout = _duration(tx, config, tx.flow.timeout, "flow timeout")
    if timeout is not None:
        tx.emit(ScheduleTimer(timer_id=f"{FLOW_TIMEOUT}:{execution_id}",
                              fire_at=tx.now + timeout[1], kind=FLOW_TIMEOUT))


def _duration(tx: ExecutionTx, config: EngineConfig, text: str | None,
              what: str) -> tuple[str, timedelta] | None:
    """(ISO text, duration), rendering an expression first; None when unset or invalid."""
    if not text:
        return None
    try:
        if is_expression(text):
            text = render(text, task_context(tx, config, uses=referenced_tasks(tx, text))).strip()
            if not text:
                return None
        return text, parse_duration(text)
    except (PodiumError, ValueError) as exc:
        tx.log(None, "ERROR", f"Ignoring {what}: invalid duration '{text}': {exc}")
        return None


def _check_assertions(tx: ExecutionTx, config: EngineConfig) -> None:
    done = _violated(tx)
    violations: list[tuple[Sla, str]] = []
    for sla in tx.flow.sla or []:
        # An EXECUTION_ASSERTION always has its `assert` (the flow model checks it).
        assertion = sla.assert_
        if sla.type != "EXECUTION_ASSERTION" or assertion is None or sla.id in done:
            continue
        try:
            result = render(assertion, task_context(
                tx, config, uses=referenced_tasks(tx, assertion)))
        except PodiumError as exc:
            if not _awaits_outputs(tx, assertion, exc):
                violations.append((sla, f"assertion could not be evaluated: {sla.assert_} "
                                        f"({exc})."))
            continue
        if not is_truthy(result):
            violations.append((sla, f"assertion is false: {sla.assert_}."))
    if not violations:
        return
    # Kestra: only the first violation updates the execution; the others are only logged.
    for sla, reason in violations[1:]:
        _remember(tx, sla.id)
        tx.log(None, "WARN", f"SLA '{sla.id}' violated: {reason}")
    violate(tx, *violations[0])


def _awaits_outputs(tx: ExecutionTx, assertion: str, exc: PodiumError) -> bool:
    """The assertion failed only because it reads the outputs of a task of this flow that
    has not ended yet: it cannot be decided before, so it waits (the pattern of Kestra's SLA
    documentation, `{{ outputs.mytask.value == 'expected output' }}`, holds once `mytask`
    ran). Any other failure (an unknown variable or task, a missing attribute of outputs
    that exist, a failing function) is a violation."""
    path = getattr(exc, "path", None)
    if not isinstance(exc, UndefinedVariableError) or not isinstance(path, str):
        return False
    parts = path.split(".")
    if parts[0] != "outputs" or len(parts) > 2:
        return False
    tasks = tx.flow.task_index()
    awaited = {parts[1]} if len(parts) == 2 else (referenced_tasks(tx, assertion) or set())
    ended = {run.task_id for run in tx.runs() if run.state.is_terminated}
    return any(task_id in tasks and task_id not in ended for task_id in awaited)


# ------------------------------------------------------------------ timers
def max_duration_elapsed(tx: ExecutionTx, message: TimerFired,
                          config: EngineConfig) -> str | None:
    sla_id = message.timer_id.rsplit(":", 1)[-1]
    sla = next((s for s in tx.flow.sla or [] if s.id == sla_id and s.type == "MAX_DURATION"),
               None)
    if sla is None:
        return f"SLA '{sla_id}' is no longer in the flow"
    if tx.execution.state is State.KILLING:
        return "execution is being killed"
    if sla_id in _violated(tx):
        return f"SLA '{sla_id}' already violated"
    started = _start_date(tx)
    elapsed = _iso(tx.now - started) if started else "?"
    violate(tx, sla, f"execution duration of {elapsed} exceed the maximum duration of "
                     f"{sla.duration}.")
    return None


def flow_timed_out(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    if tx.execution.state is State.KILLING:
        return "execution is being killed"
    duration = _duration(tx, config, tx.flow.timeout, "flow timeout")
    error = f"execution timed out after {duration[0] if duration else tx.flow.timeout}"
    tx.log(None, "ERROR", f"Execution failed: {error}")
    terminate(tx, State.FAILED, error=error)
    return None


# ------------------------------------------------------------------ acting on a violation
def violate(tx: ExecutionTx, sla: Sla, reason: str) -> None:
    """Kestra's processViolation for the first violation of `sla`."""
    _remember(tx, sla.id)
    tx.log(None, "WARN", f"SLA '{sla.id}' violated: {reason}")
    _add_labels(tx, sla.labels)
    target = _TARGET.get(sla.behavior)
    if target is State.FAILED:
        tx.log(None, "ERROR", f"Execution failed due to SLA '{sla.id}' violated: {reason}")
    if target is not None:
        terminate(tx, target)


def terminate(tx: ExecutionTx, state: State, error: str | None = None) -> None:
    """The last non-terminated task run and the execution take `state`; the other
    non-terminated runs are KILLED and running attempts are told to stop. A flow with
    `afterExecution` keeps the execution RUNNING while those tasks run, `state` pending."""
    if tx.execution.state.is_terminated:
        return
    open_runs = [run for run in tx.runs() if not run.state.is_terminated]
    running = KillRunningTasks.of(
        [run for run in open_runs if run.state is State.RUNNING and run.attempts])
    for run in open_runs[:-1]:
        tx.move_run(tx.require_run(run.id), State.KILLED)
    if open_runs:
        tx.move_run(tx.require_run(open_runs[-1].id), state)
    engine = tx.execution.engine
    update: dict[str, Any] = {}
    if error:
        update["error"] = error
    if tx.flow.after_execution and engine.pending_final_state is None:
        # Kestra runs `afterExecution` after an SLA (or timeout) ended the execution too:
        # the final state waits for them, as after a normal end (advance._resolve_flow).
        update["engine"] = engine.model_copy(update={"pending_final_state": state})
        tx.set_execution(tx.execution.model_copy(update=update))
        if running.attempts:
            tx.emit(running)
        return
    if engine.pending_final_state is not None:
        update["engine"] = engine.model_copy(update={"pending_final_state": None})
    if update:
        tx.set_execution(tx.execution.model_copy(update=update))
    tx.move_execution(state)
    tx.log(None, "INFO", f"Flow completed with state {state.value}")
    if running.attempts:
        tx.emit(running)
    tx.emit(CancelTimers())
    tx.emit(ExecutionEnded(tx.execution))


def _add_labels(tx: ExecutionTx, labels: Any) -> None:
    if isinstance(labels, dict):
        pairs = [(str(k), _text(v)) for k, v in labels.items()]
    else:
        pairs = [(str(label.key), _text(label.value)) for label in labels or []]
    current = {(label["key"], label["value"]) for label in tx.execution.labels}
    missing = [{"key": k, "value": v} for k, v in pairs if (k, v) not in current]
    if missing:
        tx.set_execution(tx.execution.model_copy(
            update={"labels": [*tx.execution.labels, *missing]}))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _violated(tx: ExecutionTx) -> list[str]:
    return list(tx.execution.engine.sla_violations)


def _remember(tx: ExecutionTx, sla_id: str) -> None:
    done = _violated(tx)
    if sla_id not in done:
        tx.set_execution(tx.execution.with_engine(sla_violations=[*done, sla_id]))


def _start_date(tx: ExecutionTx) -> datetime | None:
    """When the execution first ran since it was created: a replay from a task run carries
    its source's history before its own CREATED (restart.py), which is not its run."""
    histories = tx.execution.history.histories
    created = max((i for i, e in enumerate(histories) if e.state is State.CREATED), default=0)
    return next((e.date for e in histories[created:] if e.state is State.RUNNING), None)


def _iso(delta: timedelta) -> str:
    """Java's Duration.toString, truncated to milliseconds (PT1.5S, PT2M3.004S)."""
    millis = max(0, int(delta.total_seconds() * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, ms = divmod(rest, 1000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or ms or text == "PT":
        text += f"{seconds}.{ms:03d}".rstrip("0").rstrip(".") + "S"
    return text
