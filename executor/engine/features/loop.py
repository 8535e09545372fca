"""Kestra 2.0's io.kestra.plugin.core.flow.Loop, on the ForEach machinery.

What the Loop documentation says, and how it maps here:
- `values`: a list, a map (one iteration per entry), a JSON array / map string or an
  expression giving one. Rendered once, when the Loop starts, kept in the task run (unlike
  ForEach, whose values are stored apart and whose finished iterations are folded: a Loop's
  working set still grows with its iterations).
  Unlike ForEach, duplicates are kept: an iteration is known by its index (the children's
  `iteration`), and its value is the children's `value` (a map or list item as JSON text).
  A `kestra://` URI (one iteration per line) needs internal storage (issue 5): FAILED.
- `item.value`, `item.index` (from 0) and, for a map, `item.key` are visible to every task
  of the iteration, however nested (including the children of a WorkingDirectory).
- `concurrencyLimit`: 0 all iterations at once, 1 one after the other, N at most N; the
  tasks of one iteration run sequentially.
- iterations are isolated: a failed iteration does not stop the others. When all ended,
  the Loop's `errors` run if one failed, then `finally`. `transmitFailed` (default true)
  makes a failed iteration fail the Loop; false turns that FAILED into WARNING.
"""

from __future__ import annotations

import json
from typing import Any

from common.errors import TemplateError
from common.models.execution import TaskRun
from common.models.state import State, fold_states
from common.plugins.tasks.flow_loops import Loop
from common.templating import render, render_typed, render_value
from executor.engine.branches import Scope, enabled, resolve_scope
from executor.engine.context import CONTEXT_EXTRAS, task_context
from executor.engine.flowables import int_or, resolves
from executor.engine.view import ExecutionTx


class LoopValuesError(ValueError):
    pass


@resolves(Loop)
def _loop(tx, config, task, run, start):
    items = _items(tx, config, task, run)
    if items is None:
        return State.FAILED
    run = tx.run(run.id)
    tasks, errors, finally_ = enabled(task.tasks), enabled(task.errors), enabled(task.finally_)
    main_ids = {t.id for t in tasks}
    children = tx.children(run.id)
    main_runs = [c for c in children if c.task_id in main_ids]
    limit = int_or(task.concurrency_limit, 1)
    active = 0
    for index, item in enumerate(items):
        started = any(c.iteration == index for c in main_runs)
        if not started and limit and active >= limit:
            break
        scope = Scope(run, tasks, value=item["value"], iteration=index)
        if resolve_scope(tx, scope, start) is None:
            active += 1
    if active:
        return None
    main_runs = [c for c in tx.children(run.id) if c.task_id in main_ids]
    state = fold_states([c.state for c in main_runs])
    if state is State.FAILED and errors and resolve_scope(tx, Scope(run, errors), start) is None:
        return None
    if finally_:
        if resolve_scope(tx, Scope(run, finally_), start) is None:
            return None
        ids = {t.id for t in finally_}
        state = fold_states([state, *(c.state for c in tx.children(run.id) if c.task_id in ids)])
    if state is State.FAILED and not _transmit_failed(tx, config, task, run):
        return State.WARNING
    return state


def _items(tx, config, task: Loop, run: TaskRun) -> list[dict[str, Any]] | None:
    if "items" in run.flowable:
        return run.flowable["items"]
    try:
        items = _render_items(task.values, task_context(tx, config, run, task))
    except (TemplateError, LoopValuesError) as exc:
        tx.log(run.id, "ERROR", f"Cannot compute loop values: {exc}")
        return None
    tx.put_run(run.model_copy(update={"flowable": {**run.flowable, "items": items}}))
    return items


def _render_items(raw: Any, context: dict) -> list[dict[str, Any]]:
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


def _transmit_failed(tx, config, task: Loop, run: TaskRun) -> bool:
    value = task.transmit_failed
    if isinstance(value, bool):
        return value
    try:
        rendered = render_typed(str(value), task_context(tx, config, run, task))
    except TemplateError as exc:
        tx.log(run.id, "WARN", f"{task.id}: transmitFailed: {exc}; taken as true")
        return True
    return rendered is True or str(rendered).strip().lower() == "true"


def _item_variable(tx: ExecutionTx, run: TaskRun) -> dict[str, Any]:
    """`item` of the closest enclosing Loop iteration, if any, and its index as
    `taskrun.iteration` for every run inside it, however nested (a run's own wins)."""
    node = run
    while node.parent_task_run_id is not None:
        parent = tx.run(node.parent_task_run_id)
        if parent is None:
            return {}
        if isinstance(tx.task(parent.task_id), Loop) and node.iteration is not None:
            items = parent.flowable.get("items") or []
            if 0 <= node.iteration < len(items):
                return {"item": {**items[node.iteration], "index": node.iteration},
                        "taskrun": {"iteration": node.iteration}}
            return {}
        node = parent
    return {}


CONTEXT_EXTRAS.append(_item_variable)
