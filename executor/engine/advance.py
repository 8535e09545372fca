"""Moving an execution forward after any change, until nothing more can happen now.

Each pass resolves every running flowable task run (deepest first) and then the flow's own
scope; a pass that changes nothing ends the loop. When the flow's scope is done, the
flow outputs are rendered, `afterExecution` tasks run, and the execution takes its final
state.
"""

from __future__ import annotations

from functools import partial

from podium.common.allowances import fold_allowances
from podium.common.errors import OutputError, TemplateError
from podium.common.inputs import coerce_output, to_json_value
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.templating import render_value
from podium.executor.engine.branches import Scope, resolve_scope
from podium.executor.engine.commands import CancelTimers, ExecutionEnded, ScheduleTimer
from podium.executor.engine.context import EngineConfig, referenced_tasks, task_context
from podium.executor.engine.dispatch import start_task
from podium.executor.engine.flowables import StartRun, resolve_flowable
from podium.executor.engine.view import ExecutionTx

MAX_PASSES = 10_000


def start_execution(tx: ExecutionTx, scheduled: bool = False) -> str | None:
    execution = tx.execution
    if execution.state is not State.CREATED:
        return f"execution already started ({execution.state.value})"
    if execution.error is not None:  # created failed: a check's FAIL_EXECUTION, a trigger
        tx.log(None, "ERROR", execution.error)  # error with failOnTriggerError
        tx.move_execution(State.FAILED)
        tx.emit(ExecutionEnded(tx.execution))
        return None
    if execution.schedule_date and execution.schedule_date > tx.now and not scheduled:
        tx.emit(ScheduleTimer(timer_id=f"start:{execution.id}", fire_at=execution.schedule_date,
                              kind="start"))
        return None
    if _concurrency_limited(tx):
        return None
    tx.move_execution(State.RUNNING)
    return None


CONCURRENCY_LIMIT_REACHED = "flow concurrency limit reached"


def _concurrency_limited(tx: ExecutionTx) -> bool:
    """Kestra's concurrency check at start: with every slot of the flow taken, QUEUE waits
    (QUEUED, started again when a slot frees), CANCEL cancels, FAIL fails. No `slots_taken`
    fact (a caller that did not count) starts the execution."""
    concurrency = tx.flow.concurrency
    taken = tx.facts.slots_taken
    if concurrency is None or taken is None or taken < concurrency.limit:
        return False
    if concurrency.behavior == "QUEUE":
        tx.move_execution(State.QUEUED)
        return True
    if concurrency.behavior == "FAIL":
        tx.set_execution(tx.execution.model_copy(update={"error": CONCURRENCY_LIMIT_REACHED}))
        tx.log(None, "ERROR", f"{CONCURRENCY_LIMIT_REACHED} ({concurrency.limit})")
        tx.move_execution(State.FAILED)
    else:
        tx.move_execution(State.CANCELLED)
    tx.emit(ExecutionEnded(tx.execution))
    return True


def advance(tx: ExecutionTx, config: EngineConfig) -> None:
    _advance(tx, config)
    for hook in tx.wiring.after_advance:  # checks on every change (executor/wiring.py)
        hook(tx, config)


def _advance(tx: ExecutionTx, config: EngineConfig) -> None:
    if tx.execution.state not in (State.RUNNING, State.RETRYING):
        return
    start = partial(start_task, tx, config)
    for _ in range(MAX_PASSES):
        changed = _resolve_flowables(tx, config, start)
        if tx.execution.state is State.RUNNING or tx.execution.state is State.RETRYING:
            changed |= _resolve_flow(tx, config, start)
        # A Pause (or a kill) took the execution out of RUNNING: nothing more starts now.
        if not changed or tx.execution.state not in (State.RUNNING, State.RETRYING):
            return


def _resolve_flowables(tx: ExecutionTx, config: EngineConfig, start: StartRun) -> bool:
    version = tx.version
    for run in reversed(tx.runs()):
        run = tx.require_run(run.id)
        task = tx.task(run.task_id)
        if run.state is not State.RUNNING or (task.runs_on_worker() and not _worker_done(run)):
            continue
        state = resolve_flowable(tx, config, task, run, start)
        if state is not None:
            tx.move_run(tx.require_run(run.id), fold_allowances(
                state, allow_failure=task.allow_failure, allow_warning=task.allow_warning))
            if tx.execution.state.is_terminated:  # an Exit task ended it: nothing more starts
                break
    return tx.version != version


def _worker_done(run: TaskRun) -> bool:
    """A WorkingDirectory whose worker part ended stays RUNNING while the executor runs its
    `errors` / `finally` (executor/engine/features/working_directory.py)."""
    return bool(run.attempts) and run.attempts[-1].state.is_terminated


def _resolve_flow(tx: ExecutionTx, config: EngineConfig, start: StartRun) -> bool:
    flow = tx.flow
    version = tx.version
    pending = tx.execution.engine.pending_final_state
    if pending is None:
        scope = Scope(parent=None, tasks=flow.tasks, errors=flow.errors or [],
                      finally_=flow.finally_ or [])
        state = resolve_scope(tx, scope, start)
        if state is None:
            return tx.version != version
        state = _with_outputs(tx, config, state)
        if flow.after_execution:
            _remember_final_state(tx, state)
            return True
        end_execution(tx, state)
        return True
    after = Scope(parent=None, tasks=flow.after_execution or [])
    if resolve_scope(tx, after, start) is None:
        return tx.version != version
    end_execution(tx, pending)
    return True


def _remember_final_state(tx: ExecutionTx, state: State) -> None:
    tx.set_execution(tx.execution.with_engine(pending_final_state=state))


def _with_outputs(tx: ExecutionTx, config: EngineConfig, state: State) -> State:
    """Render and type the flow outputs; a failure makes the execution FAILED."""
    outputs = {}
    context = task_context(tx, config, uses=referenced_tasks(
        tx, [output.value for output in tx.flow.outputs or []]))
    for output in tx.flow.outputs or []:
        try:
            rendered = render_value(output.value, context)
            outputs[output.id] = to_json_value(coerce_output(output.type, rendered, output.id))
        except (TemplateError, OutputError) as exc:
            tx.log(None, "ERROR", f"Failed to render output '{output.id}': {exc}")
            tx.set_execution(tx.execution.model_copy(update={"error": str(exc)}))
            return State.FAILED
    if tx.flow.outputs:
        tx.set_execution(tx.execution.model_copy(update={"outputs": outputs}))
    return state


def end_execution(tx: ExecutionTx, state: State) -> None:
    """The execution takes its final `state` now: timers cancelled, ExecutionEnded sent."""
    if tx.execution.engine.pending_final_state is not None:
        tx.set_execution(tx.execution.with_engine(pending_final_state=None))
    if tx.execution.state is State.RETRYING:
        tx.move_execution(State.RUNNING)
    tx.move_execution(state)
    tx.log(None, "INFO", f"Flow completed with state {state.value}")
    tx.emit(CancelTimers())
    tx.emit(ExecutionEnded(tx.execution))
