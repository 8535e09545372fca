"""Which task runs a render may miss because a loop folded them (executor/engine/loops.py).

A render inside an iteration that reads its own iteration's outputs
(`outputs.first[taskrun.value]`, `outputs.x[parent.taskrun.value][taskrun.value]`) finds
them live. Any other reference to a task inside a loop that folded iterations (from after
the loop, the flow's outputs, another iteration's value, `| length`...) needs every
iteration's runs: `missing_folded` names those tasks (and the tasks enclosing them, whose
values key the outputs) so the handler loads their folded runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from podium.common.plugins.tasks import flow_loops as loops
from podium.executor.engine.view import ExecutionTx

FOLDING_TYPES = (loops.ForEach, loops.EachSequential, loops.EachParallel)


def enclosing(tx: ExecutionTx, task_id: str | None) -> list[str]:
    """Ids of the tasks around `task_id`, closest first."""
    parents = tx.flow.task_parents()
    chain = []
    parent = parents.get(task_id) if task_id else None
    while parent is not None:
        chain.append(parent)
        parent = parents.get(parent)
    return chain


def _loops_around(tx: ExecutionTx, task_id: str | None) -> set[str]:
    return {t for t in enclosing(tx, task_id) if isinstance(tx.task(t), FOLDING_TYPES)}


def _has_folded(tx: ExecutionTx, loop_ids: set[str]) -> bool:
    return any((run.flowable.loop or {}).get("done")
               for loop_id in loop_ids for run in tx.runs_of_task(loop_id))


_EXPRESSIONS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_THIS_ITERATION = r"(?:\s*\[\s*(?:parent\.)*taskrun\.value\s*\])+"


def reads_only_this_iteration(text: str, task_id: str) -> bool:
    """Whether every mention of `task_id` in the expressions of `text` is subscripted by
    the current loop value(s): then the live runs hold everything it reads."""
    name = re.escape(task_id)
    local = re.compile(rf"(?:outputs|tasks)\s*(?:\.\s*{name}(?![\w-])|\[\s*['\"]{name}['\"]\s*\])"
                       + _THIS_ITERATION)
    mention = re.compile(rf"(?<![\w-]){name}(?![\w-])")
    expressions = "\n".join(_EXPRESSIONS.findall(text))
    return len(local.findall(expressions)) == len(mention.findall(expressions))


def missing_folded(tx: ExecutionTx, task_ids: Iterable[str], at_task: str | None,
                   text: str | None = None) -> set[str]:
    """Task ids whose folded runs a render needs and the handler has not loaded. `text`:
    the templates of the render at `at_task` (None: unknown, assume anything is read)."""
    if tx.folded_loaded is True:
        return set()
    around_here = _loops_around(tx, at_task)
    missing: set[str] = set()
    for task_id in task_ids:
        loop_ids = _loops_around(tx, task_id)
        if not loop_ids or task_id in tx.folded_loaded:
            continue
        if loop_ids <= around_here and text is not None and \
                reads_only_this_iteration(text, task_id):
            continue
        if _has_folded(tx, loop_ids):
            missing.add(task_id)
            missing.update(enclosing(tx, task_id))
    return missing - set(tx.folded_loaded)
