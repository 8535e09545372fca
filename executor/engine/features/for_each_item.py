"""ForEachItem: one child execution per batch of a storage file (Kestra's three tasks).

The ForEachItem task run resolves its three internal tasks in order, like a Sequential:
- `<id>_split` runs on a worker (worker/runnables/for_each_item.py): it cuts the `items`
  file into batch files, batch i (from 1) named `<i><extension>` among the split run's
  output files, and reports `batches` and `extension` (and Kestra's `splits` listing);
- `<id>_items` is resolved here: it asks for one child execution per batch
  (`StartSubflow` with `iteration` i; the child's inputs rendered with `taskrun.items` =
  the batch URI and `taskrun.iteration` = i), then counts the children's ends as they
  come (`SubflowEnded` with `iteration`): outputs `numberOfBatches` and `iterations`
  (children by state). A redelivered end is recognised by its iteration and ignored. Once
  every batch ended: with `transmitFailed`, a FAILED / KILLED / WARNING child gives its
  state (the worst), else SUCCESS. `wait: false` ends when every child is created, each
  created child counted SUCCESS (Kestra's ForEachItemCaseTest#forEachItemNoWait: the
  `iterations` of a task that did not wait hold RUNNING and SUCCESS only, no CREATED);
- `<id>_merge` runs on a worker: the children's flow outputs in one ION file
  (`subflowOutputs`).
"""

from __future__ import annotations

from podium.common.errors import TemplateError
from podium.common.messages import SubflowEnded
from podium.common.models.execution import Attempt, TaskRun
from podium.common.models.state import State, fold_states
from podium.common.plugins.tasks.flow_subflows import ForEachItem, ForEachItemExecutable
from podium.common.storage import task_output_uri
from podium.executor.engine.branches import Scope, resolve_scope
from podium.executor.engine.commands import StartSubflow
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.features.subflow import guess_state, start_command
from podium.executor.engine.flowables import StartRun
from podium.executor.engine.view import ExecutionTx

SPLIT_SUFFIX = "_split"


def resolve_for_each_item(tx: ExecutionTx, config: EngineConfig, task: ForEachItem,
                          run: TaskRun, start: StartRun) -> State | None:
    return resolve_scope(tx, Scope(run, task.subtasks(), task.errors or []), start)


def resolve_batches(tx: ExecutionTx, config: EngineConfig, task: ForEachItemExecutable,
                    run: TaskRun, start: StartRun) -> State | None:
    ended: State | None = run.flowable.ended
    if ended is not None:
        return ended
    if run.flowable.batches is not None:
        return None  # waiting for the children's ends
    split = _split_run(tx, task, run)
    count = (split.outputs or {}).get("batches") if split is not None else None
    if split is None or not isinstance(count, int):
        tx.log(run.id, "ERROR", f"{task.id}: no batches from {task.id[:-6]}{SPLIT_SUFFIX}")
        return State.FAILED
    try:
        commands = [_child(tx, config, task, run, split, i) for i in range(1, count + 1)]
    except (TemplateError, ValueError, TypeError) as exc:
        tx.log(run.id, "ERROR", f"{task.id}: {exc}")
        return State.FAILED
    for command in commands:
        tx.emit(command)
    tx.put_run(run.model_copy(update={
        "attempts": [Attempt(number=1, state=State.RUNNING, started=tx.now)],
        "flowable": run.flowable.model_copy(update={
            "batches": count, "pending": count, "ended_by": {}, "done": "0"}),
        # Kestra gives no outputs at all when the file had no line.
        "outputs": {"numberOfBatches": count, "iterations": _iterations(count, {}, task.wait)}
        if count else None}))
    return State.SUCCESS if count == 0 else None


def _iterations(pending: int, ended_by: dict[str, int], waiting: bool) -> dict[str, int]:
    """Kestra's `iterations`: the children by state, those not ended yet as CREATED;
    CREATED and RUNNING stay listed at 0, as Kestra's counters do once drained. A task
    that does not wait never sees a child CREATED: only RUNNING and the creations."""
    if not waiting:
        return {"RUNNING": 0, **ended_by}
    counts = {"CREATED": 0, "RUNNING": 0, **ended_by}
    counts["CREATED"] += pending
    return counts


def _split_run(tx: ExecutionTx, task: ForEachItemExecutable, run: TaskRun) -> TaskRun | None:
    split_id = task.id[: -len("_items")] + SPLIT_SUFFIX
    return next((r for r in tx.children(run.parent_task_run_id) if r.task_id == split_id), None)


def _child(tx: ExecutionTx, config: EngineConfig, task: ForEachItemExecutable, run: TaskRun,
           split: TaskRun, iteration: int) -> StartSubflow:
    flow, execution = tx.flow, tx.execution
    name = f"{iteration}{(split.outputs or {}).get('extension') or ''}"
    items = task_output_uri(flow.namespace, flow.id, execution.id, split.task_id, split.id, name)
    context = task_context(tx, config, run, task)
    # Batches are numbered from 1 (their files, the ends counted); flows see them from 0
    # since Kestra 1.1 (migration guide: aligned with ForEach's taskrun.iteration).
    context["taskrun"] = {**context["taskrun"], "items": items, "iteration": iteration - 1}
    return start_command(tx, config, task, run, context=context, iteration=iteration)


def batch_ended(tx: ExecutionTx, run: TaskRun, message: SubflowEnded,
                iteration: int) -> str | None:
    """One child of `<id>_items` (batch `iteration`, the message's) was created (wait:
    false), ended, or could not start."""
    done = int(run.flowable.done or "0", 16)
    bit = 1 << iteration
    if done & bit:
        return f"batch {iteration} already counted"
    task = tx.task_as(run.task_id, ForEachItemExecutable)
    if message.error:
        tx.log(run.id, "ERROR", f"batch {iteration}: {message.error}")
    state = State.FAILED if message.error else message.state
    if state is State.CREATED:  # wait: false, the child exists: this batch is done
        state = State.SUCCESS
    ended_by = dict(run.flowable.ended_by or {})
    ended_by[state.value] = ended_by.get(state.value, 0) + 1
    pending = (run.flowable.pending or 0) - 1
    # A bitmap of the batches counted, in hex: redeliveries are recognised in a few bytes.
    flowable = run.flowable.model_copy(update={
        "done": format(done | bit, "x"), "pending": pending, "ended_by": ended_by})
    if pending <= 0:
        states = [State(name) for name in ended_by if name != State.CREATED.value]
        final = guess_state(fold_states(states), task.transmit_failed)
        flowable = flowable.model_copy(update={"ended": final})
        run = run.model_copy(update={"attempts": [
            a.model_copy(update={"state": final, "ended": tx.now}) for a in run.attempts]})
    tx.put_run(run.model_copy(update={"flowable": flowable, "outputs": {
        **(run.outputs or {}), "iterations": _iterations(pending, ended_by, task.wait)}}))
    return None
