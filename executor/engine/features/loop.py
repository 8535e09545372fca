"""Kestra 2.0's io.kestra.plugin.core.flow.Loop, on the ForEach machinery.

What the Loop documentation and class say, and how it maps here:
- `values`: a list, a map (one iteration per entry), a JSON array / map string or an
  expression giving one. Rendered once, when the Loop starts, kept in the task run (unlike
  ForEach, whose values are stored apart and whose finished iterations are folded: a Loop's
  working set still grows with its iterations).
  Unlike ForEach, duplicates are kept: an iteration is known by its index (the children's
  `iteration`), and its value is the children's `value` (a map or list item as JSON text).
  A `kestra://` URI (one iteration per line) needs internal storage (issue 5): FAILED.
- `item.value`, `item.index` (from 0) and, for a map, `item.key` are visible to every task
  of the iteration, however nested (including the children of a WorkingDirectory); in a
  nested Loop, `item.parent` / `item.parents[n]` are the enclosing iterations' items.
- each iteration is its own scope (Kestra runs it as a sub-execution): inside it,
  `outputs.<sibling>` is this iteration's run, and nothing outside sees inside
  (executor/engine/loop_scope.py).
- `outputs`: rendered in each iteration's context when it ends, typed like flow outputs,
  exposed after the loop as `outputs.<loop>.outputs` (executor/engine/loop_iterations.py);
  `fetchType` FETCH keeps them in the Loop's outputs; STORE writes each iteration's as an
  ION file to internal storage and keeps its `uri` instead; AUTO is FETCH (it would be
  STORE for a `values` URI, which is not supported here).
- `breakWhen`: rendered after each iteration (`item`, `iteration.state`,
  `iteration.outputs`); once truthy, no further iteration starts.
- `concurrencyLimit`: 0 (the default) all iterations at once, 1 one after the other, N at
  most N; the tasks of one iteration run sequentially.
- each iteration is a sequence of its own: the Loop's `tasks`, then its `errors` if one of
  them failed, then its `finally` (Kestra 2.0 resolves both inside each iteration's
  sub-execution), all with the iteration's `item`.
- `transmitFailed` (default true): once an iteration failed (or was killed), no further
  iteration starts, the running ones end, and the Loop is FAILED (Kestra ends the Loop at
  once and lets the running sub-executions finish apart). false: failed iterations are
  counted (`terminatedIterations`) and the others go on. Otherwise the Loop is SUCCESS,
  as Kestra's loop handler ends it, whatever its iterations' WARNINGs.
"""

from __future__ import annotations

import json
from typing import Any

from podium.common.errors import OutputError, TemplateError
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.tasks.flow_loops import Loop
from podium.common.storage.uris import task_output_uri
from podium.common.templating import is_truthy, render, render_typed, render_value
from podium.common.templating.library.ion import to_ion
from podium.executor.engine import loop_iterations as iterations
from podium.executor.engine.branches import Scope, enabled, resolve_scope
from podium.executor.engine.commands import WriteFile
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.flowables import StartRun, int_or
from podium.executor.engine.view import ExecutionTx


class LoopValuesError(ValueError):
    pass


def resolve_loop(tx: ExecutionTx, config: EngineConfig, task: Loop, run: TaskRun,
                 start: StartRun) -> State | None:
    items = _items(tx, config, task, run)
    if items is None:
        return State.FAILED
    if task.fetch_type == "STORE" and config.write_file is None:
        tx.log(run.id, "ERROR", "fetchType STORE needs internal storage, which this executor "
                                "has not: use FETCH or AUTO")
        return State.FAILED
    run = tx.require_run(run.id)
    tasks, errors, finally_ = enabled(task.tasks), enabled(task.errors), enabled(task.finally_)
    main_ids = {t.id for t in tasks}
    started = {c.iteration for c in tx.children(run.id) if c.task_id in main_ids}
    limit = int_or(task.concurrency_limit, 0)
    # Whether a failed iteration fails the Loop (and so stops it): rendered once needed.
    transmit = _transmit_failed(tx, config, task, run) if iterations.failed(run) else None
    active = 0
    for index, item in enumerate(items):
        if index not in started and (iterations.stopped(run, transmit) or
                                     (limit and active >= limit)):
            break
        # One iteration: the Loop's tasks, then its `errors` if one failed, then `finally`.
        scope = Scope(run, tasks, errors, finally_, value=item["value"], iteration=index)
        ended = resolve_scope(tx, scope, start)
        if ended is None:
            active += 1
            if iterations.recorded(run, index):  # restarted: it will end again
                run = tx.put_run(iterations.forgotten_run(run, index))
        elif not iterations.recorded(run, index):
            run = _record(tx, config, task, run, items, index, ended)
            if ended in iterations.FAILURES and transmit is None:
                transmit = _transmit_failed(tx, config, task, run)
    outputs = iterations.loop_outputs(run, items, active, declared=task.outputs is not None)
    if outputs != run.outputs:
        tx.put_run(run.model_copy(update={"outputs": outputs}))
    if active:
        return None
    if not iterations.failed(run):
        return State.SUCCESS
    return State.FAILED if _transmit_failed(tx, config, task, run) else State.SUCCESS


def _record(tx: ExecutionTx, config: EngineConfig, task: Loop, run: TaskRun,
            items: list[dict[str, Any]], index: int,
            ended: State) -> TaskRun:
    """An iteration just ended: render its declared outputs in its own context, if it did
    not fail (a failure to render fails it), then `breakWhen`; both kept in the Loop's run."""
    inside = next(c for c in tx.children(run.id) if c.iteration == index)
    context = task_context(tx, config, inside, task)
    outputs = None
    if task.outputs is not None and ended in (State.SUCCESS, State.WARNING):
        try:
            outputs = iterations.render_outputs(task.outputs, context)
            if task.fetch_type == "STORE":  # AUTO: FETCH, as `values` is never a URI here
                outputs = _stored(tx, run, index, outputs)
        except (TemplateError, OutputError) as exc:
            tx.log(run.id, "ERROR", f"Loop iteration {index}: cannot render its outputs: {exc}")
            ended = State.FAILED
    stop = False
    if task.break_when is not None:
        stop = _breaks(tx, run, task.break_when, context, index, ended, outputs)
    return tx.put_run(iterations.recorded_run(run, index, ended, outputs, stop))


def _stored(tx: ExecutionTx, run: TaskRun, index: int,
            outputs: dict[str, Any]) -> dict[str, Any]:
    """STORE: the iteration's outputs as an ION file in internal storage; its URI instead."""
    execution = tx.execution
    uri = task_output_uri(execution.namespace, execution.flow_id, execution.id, run.task_id,
                          run.id, f"iteration-{index}.ion")
    tx.emit(WriteFile(uri=uri, content=(to_ion(outputs) + "\n").encode()))
    return {"uri": uri}


def _breaks(tx: ExecutionTx, run: TaskRun, template: str, context: dict[str, Any], index: int,
            state: State, outputs: dict[str, Any] | None) -> bool:
    context = {**context, "iteration": {"executionId": tx.execution.id, "index": index,
                                        "state": state.value, "outputs": outputs or {}}}
    try:
        return is_truthy(render(template, context).strip())
    except TemplateError as exc:
        tx.log(run.id, "ERROR", f"breakWhen: {exc}; the loop stops")
        return True


def _items(tx: ExecutionTx, config: EngineConfig, task: Loop, run: TaskRun) -> list[dict[str, Any]] | None:
    if run.flowable.items is not None:
        return run.flowable.items
    try:
        items = _render_items(task.values, task_context(tx, config, run, task))
    except (TemplateError, LoopValuesError) as exc:
        tx.log(run.id, "ERROR", f"Cannot compute loop values: {exc}")
        return None
    tx.put_run(run.with_flowable(items=items))
    return items


def _render_items(raw: Any, context: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        text = render(raw, context).strip()
        if text.startswith("kestra://"):
            raise LoopValuesError("iterating over a file of the internal storage is not "
                                  "supported yet")
        try:
            raw = json.loads(text)
        except ValueError:
            raise LoopValuesError(f"values must render to a JSON array or map, got "
                                  f"{text[:80]!r}") from None
    else:
        raw = render_value(raw, context)
    if isinstance(raw, dict):
        return [{"key": str(key), "value": _as_text(value)} for key, value in raw.items()]
    if isinstance(raw, list):
        return [{"value": _as_text(value)} for value in raw]
    raise LoopValuesError("values must be a list or a map")


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _transmit_failed(tx: ExecutionTx, config: EngineConfig, task: Loop, run: TaskRun) -> bool:
    value = task.transmit_failed
    if isinstance(value, bool):
        return value
    try:
        rendered = render_typed(str(value), task_context(tx, config, run, task))
    except TemplateError as exc:
        tx.log(run.id, "WARN", f"{task.id}: transmitFailed: {exc}; taken as true")
        return True
    return rendered is True or str(rendered).strip().lower() == "true"


def item_variable(tx: ExecutionTx, run: TaskRun) -> dict[str, Any]:
    """`item` of the closest enclosing Loop iteration, if any, and its index as
    `taskrun.iteration` for every run inside it, however nested (a run's own wins). In a
    nested Loop, `item.parent` is the enclosing iteration's item and `item.parents` every
    enclosing one, closest first (`item.parents[0]` is `item.parent`)."""
    found: list[dict[str, Any]] = []
    node = run
    while node.parent_task_run_id is not None:
        parent = tx.run(node.parent_task_run_id)
        if parent is None:
            break
        if isinstance(tx.task(parent.task_id), Loop) and node.iteration is not None:
            items = parent.flowable.items or []
            if not 0 <= node.iteration < len(items):
                break
            found.append({**items[node.iteration], "index": node.iteration})
        node = parent
    if not found:
        return {}
    item = dict(found[0])
    if len(found) > 1:
        item["parent"], item["parents"] = found[1], found[1:]
    return {"item": item, "taskrun": {"iteration": found[0]["index"]}}

