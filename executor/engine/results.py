"""Joining a worker's TaskResult into the execution.

A result is applied only if it is for the attempt the task run is currently running; a
duplicate or stale delivery is ignored (and reported in Decision.ignored). A FAILED
attempt may be retried; otherwise allowFailure / allowWarning / warningOnRetry adjust the
final state, as Kestra's worker does.
"""

from __future__ import annotations

from typing import Any

from podium.common.allowances import fold_allowances
from podium.common.messages import TaskResult
from podium.common.models.execution import Attempt, TaskRun
from podium.common.models.state import State
from podium.executor.engine.commands import ExecutionEnded, ScheduleTimer, StoreTaskCache
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.retry import (
    RetryPolicy,
    is_retry_target,
    next_attempt_at,
    policy_for,
    retry_at,
)
from podium.executor.engine.view import ExecutionTx


def apply_task_result(tx: ExecutionTx, result: TaskResult, config: EngineConfig) -> str | None:
    run = tx.run(result.task_run_id)
    stale = _why_stale(tx, run, result)
    if stale:
        return stale
    assert run is not None
    run = _record_attempt(run, result, tx)
    if result.cache_key and result.state in (State.SUCCESS, State.WARNING):
        # as Kestra: an attempt that succeeded (or warned) is cached, whatever follows
        tx.emit(StoreTaskCache(run.task_id, result.cache_key, result.outputs, tx.now))
    if result.labels:
        _merge_labels(tx, result.labels)
    state = result.state
    if result.children is not None:  # a WorkingDirectory: its children ran on the worker
        from podium.executor.engine.features import working_directory
        state = working_directory.record_children(tx, run, result)
        run = tx.require_run(run.id)
    if state is State.FAILED and _schedule_retry(tx, run):
        return None
    if result.children is not None and working_directory.continues_in_executor(tx, run, state):
        return None
    tx.move_run(run, final_state(tx, run, state))
    return None


def _why_stale(tx: ExecutionTx, run: TaskRun | None, result: TaskResult) -> str | None:
    if run is None:
        return f"unknown task run {result.task_run_id}"
    if not run.attempts or run.attempts[-1].number != result.attempt:
        return f"stale result for attempt {result.attempt} of task run {run.id}"
    if run.state is not State.RUNNING or run.attempts[-1].state.is_terminated:
        return f"duplicate result for attempt {result.attempt} of task run {run.id}"
    if not result.state.is_terminated:
        return f"non-terminal result {result.state.value} ignored"
    return None


def _record_attempt(run: TaskRun, result: TaskResult, tx: ExecutionTx) -> TaskRun:
    last = run.attempts[-1]
    attempt = Attempt(number=last.number, state=result.state,
                      started=result.started or last.started, ended=result.ended or tx.now,
                      log_file=result.log_file, assets=result.assets)
    outputs = result.outputs if result.outputs is not None else run.outputs
    return tx.put_run(run.model_copy(update={"attempts": [*run.attempts[:-1], attempt],
                                             "outputs": outputs}))


def _schedule_retry(tx: ExecutionTx, run: TaskRun) -> bool:
    task = tx.task(run.task_id)
    policy = policy_for(tx, run)
    if policy is None or not is_retry_target(task):
        return False
    if policy.behavior == "CREATE_NEW_EXECUTION":
        return _retry_in_new_execution(tx, run, policy)
    at = next_attempt_at(policy, run, tx.now)
    if at is None:
        return False
    tx.move_run(run, State.RETRYING)
    if tx.execution.state is State.RUNNING:  # a PAUSED execution stays paused meanwhile
        tx.move_execution(State.RETRYING)
    tx.emit(ScheduleTimer(timer_id=f"retry:{run.id}:{len(run.attempts)}", fire_at=at,
                          kind="retry", task_run_id=run.id))
    return True


def _retry_in_new_execution(tx: ExecutionTx, run: TaskRun, policy: RetryPolicy) -> bool:
    """Kestra's CREATE_NEW_EXECUTION: this execution ends RETRIED (with the failed task run
    and its parents) and a timer later creates a fresh execution of the same revision."""
    execution = tx.execution
    first_start = execution.original_created_date or execution.history.start_date or tx.now
    at = retry_at(policy, execution.attempt_number, tx.now, first_start)
    if at is None:
        return False
    tx.move_run(run, State.RETRIED)
    for ancestor in tx.ancestors(run):
        if not ancestor.state.is_terminated:
            tx.move_run(ancestor, State.RETRIED)
    tx.move_execution(State.RETRIED)
    tx.emit(ScheduleTimer(timer_id=f"new-execution:{execution.id}", fire_at=at,
                          kind="new_execution"))
    tx.emit(ExecutionEnded(tx.execution))
    return True


def final_state(tx: ExecutionTx, run: TaskRun, state: State) -> State:
    """An attempt's last state as its task run ends: warningOnRetry, allowFailure, allowWarning."""
    task = tx.task(run.task_id)
    policy = task.retry or tx.flow.retry
    if state is State.SUCCESS and policy is not None and policy.warning_on_retry \
            and len(run.attempts) > 1:
        state = State.WARNING
    return fold_allowances(state, allow_failure=task.allow_failure,
                           allow_warning=task.allow_warning)


def _merge_labels(tx: ExecutionTx, labels: list[dict[str, Any]]) -> None:
    merged = {label["key"]: label["value"] for label in tx.execution.labels}
    merged.update({label["key"]: label["value"] for label in labels})
    tx.set_execution(tx.execution.model_copy(
        update={"labels": [{"key": k, "value": v} for k, v in merged.items()]}))
