"""Subflow: a task run that starts an execution of another flow and, by default, waits for it.

When the task run starts, its `namespace`, `flowId`, `revision`, `inputs`, `labels` and
`scheduleDate` are rendered and a `StartSubflow` command asks the executor's persistence to
create the child (the engine cannot load the child flow). The child's id is chosen here, so
a redelivered message never creates a second child. The answer comes back as a
`SubflowEnded` message:
- `wait: false`: as soon as the child is created (state CREATED): the task run succeeds;
- `wait: true`: when the child ends. Kestra's ExecutableUtils.guessState: with
  `transmitFailed`, a FAILED / KILLED / WARNING child gives the task run that state,
  anything else SUCCESS; then allowFailure / allowWarning apply as for every flowable;
- the child could not be created (unknown or disabled flow, bad inputs) or its outputs not
  extracted: FAILED, with the error logged.
A FAILED task run is retried by its retry policy (a new child per attempt; the
CREATE_NEW_EXECUTION behaviour is not supported for subflows). A RETRIED child (retried as
a new execution) is not an end: its last attempt reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podium.common.errors import TemplateError
from podium.common.messages import SubflowEnded, TimerFired
from podium.common.models.execution import Attempt, TaskRun, new_id
from podium.common.models.state import State
from podium.common.plugins.tasks.flow_subflows import ForEachItemExecutable, Subflow
from podium.common.templating import render, render_value
from podium.executor.engine.commands import ScheduleTimer, StartSubflow
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.flowables import StartRun
from podium.executor.engine.retry import next_attempt_at, policy_for
from podium.executor.engine.view import ExecutionTx

SUBFLOW_TYPES = frozenset({Subflow.TYPE, *Subflow.ALIASES, ForEachItemExecutable.TYPE})
RETRY_TIMER = "subflow_retry"
# The tasks that start a child execution here (a ForEachItem through its batches task).
ChildFlowTask = Subflow | ForEachItemExecutable


def guess_state(child: State, transmit_failed: bool) -> State:
    """Kestra's ExecutableUtils.guessState, without allowFailure/allowWarning (applied by
    `advance` to every flowable's final state)."""
    if transmit_failed and child in (State.FAILED, State.KILLED, State.WARNING, State.PAUSED):
        return child
    return State.SUCCESS


def resolve_subflow(tx: ExecutionTx, config: EngineConfig, task: Subflow, run: TaskRun,
                    start: StartRun) -> State | None:
    ended: State | None = run.flowable.ended
    if ended is not None:
        return ended
    if run.flowable.child is not None:
        return None  # waiting for SubflowEnded
    try:
        command = start_command(tx, config, task, run)
    except (TemplateError, ValueError, TypeError) as exc:
        tx.log(run.id, "ERROR", f"Subflow '{task.id}': {exc}")
        return State.FAILED
    attempt = Attempt(number=len(run.attempts) + 1, state=State.RUNNING, started=tx.now)
    tx.put_run(run.model_copy(update={
        "flowable": run.flowable.model_copy(update={"child": command.child_execution_id}),
        "attempts": [*run.attempts, attempt]}))
    tx.emit(command)
    return None


def start_command(tx: ExecutionTx, config: EngineConfig, task: ChildFlowTask, run: TaskRun,
                  context: dict[str, Any] | None = None, iteration: int | None = None) -> StartSubflow:
    context = context or task_context(tx, config, run, task)
    namespace = render(task.namespace, context).strip()
    flow_id = render(task.flow_id, context).strip()
    revision = task.revision
    if isinstance(revision, str):
        revision = int(render(revision, context).strip())
    labels = {str(label["key"]): str(label["value"]) for label in tx.execution.labels
              if task.inherit_labels or str(label["key"]).startswith("system.")}
    for label in task.labels or []:
        labels[render(label.key, context)] = render(str(label.value), context)
    schedule_date = None
    if task.schedule_date:
        schedule_date = datetime.fromisoformat(render(task.schedule_date, context).strip()
                                               .replace("Z", "+00:00"))
    execution, flow = tx.execution, tx.flow
    trigger = {"id": task.id, "type": task.type, "variables": {
        "executionId": execution.id, "namespace": flow.namespace, "flowId": flow.id,
        "flowRevision": execution.flow_revision}}
    return StartSubflow(
        parent_execution_id=execution.id, parent_task_run_id=run.id, task_id=task.id,
        task_type=task.type, child_execution_id=new_id(), namespace=namespace, flow_id=flow_id,
        revision=revision, inputs=render_value(task.inputs or {}, context), labels=labels,
        wait=task.wait, trigger=trigger, outputs=getattr(task, "outputs", None),
        schedule_date=schedule_date, iteration=iteration)


def handle_subflow_ended(tx: ExecutionTx, message: SubflowEnded, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id)
    if run is None or run.state is not State.RUNNING or run.flowable.ended is not None:
        return "subflow result for a task run that is not waiting for it"
    if message.iteration is not None:
        from podium.executor.engine.features.for_each_item import batch_ended
        return batch_ended(tx, run, message, message.iteration)
    if message.child_execution_id and run.flowable.child != message.child_execution_id:
        return f"stale subflow result from {message.child_execution_id}"
    task = _child_flow_task(tx, run)
    outputs: dict[str, Any] = {"executionId": message.child_execution_id}
    if message.error:
        tx.log(run.id, "ERROR", message.error)
        state = State.FAILED
        if message.child_execution_id is None:
            outputs = {}
    elif message.state is State.CREATED:
        outputs["state"] = State.CREATED.value
        state = State.SUCCESS
    else:
        outputs["state"] = message.state.value
        if message.outputs is not None:
            outputs["outputs"] = message.outputs
        state = guess_state(message.state, task.transmit_failed)
    attempts = list(run.attempts)
    if attempts:
        attempts[-1] = attempts[-1].model_copy(update={"state": state, "ended": tx.now})
    run = tx.put_run(run.model_copy(update={"attempts": attempts, "outputs": outputs or None}))
    if state is State.FAILED and message.child_execution_id and _schedule_retry(tx, run):
        return None
    tx.put_run(run.with_flowable(ended=state))
    return None


def _child_flow_task(tx: ExecutionTx, run: TaskRun) -> ChildFlowTask:
    task = tx.task(run.task_id)
    if not isinstance(task, (Subflow, ForEachItemExecutable)):
        raise TypeError(f"internal error: task {task.id} starts no child execution")
    return task


def _schedule_retry(tx: ExecutionTx, run: TaskRun) -> bool:
    policy = policy_for(tx, run)
    if policy is None or policy.behavior == "CREATE_NEW_EXECUTION":
        return False
    at = next_attempt_at(policy, run, tx.now)
    if at is None:
        return False
    tx.move_run(run, State.RETRYING)
    tx.move_execution(State.RETRYING)
    tx.emit(ScheduleTimer(timer_id=f"{RETRY_TIMER}:{run.id}:{len(run.attempts)}", fire_at=at,
                          kind=RETRY_TIMER, task_run_id=run.id))
    return True


def subflow_retry_due(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id or "")
    if run is None or run.state is not State.RETRYING:
        return "subflow retry timer for a task run that is not retrying"
    run = tx.move_run(tx.put_run(run.with_flowable(child=None, ended=None)), State.CREATED)
    tx.move_run(run, State.RUNNING)
    if tx.execution.state is State.RETRYING:
        tx.move_execution(State.RUNNING)
    return None  # `advance` resolves the run again, which starts the next child
