"""Resolvers for loops (ForEach, EachSequential, EachParallel) and Dag.

Loop children carry the loop value of their iteration; one iteration is a sequential group
of the loop's tasks (all of them at once for EachParallel). Values are rendered once, when
the loop starts, and kept in the task run: strings rendered, numbers as text, maps and
lists as compact JSON, duplicates dropped (Kestra's distinct values).
"""

from __future__ import annotations

import json
from typing import Any

from common.errors import TemplateError
from common.models.state import State, fold_states
from common.plugins.tasks import flow_branching as branching
from common.plugins.tasks import flow_loops as loops
from common.templating import render, render_value
from executor.engine.branches import Scope, enabled, resolve_scope
from executor.engine.context import task_context
from executor.engine.flowables import int_or, resolves


class LoopValueError(ValueError):
    pass


def _loop_values(tx, config, task, run, raw: Any) -> list[str] | None:
    if "values" in run.flowable:
        return run.flowable["values"]
    try:
        values = _render_values(raw, task_context(tx, config, run, task))
    except (TemplateError, LoopValueError) as exc:
        tx.log(run.id, "ERROR", f"{task.id}: cannot compute loop values: {exc}")
        return None
    tx.put_run(run.model_copy(update={"flowable": {**run.flowable, "values": values}}))
    return values


def _render_values(raw: Any, context: dict) -> list[str]:
    if isinstance(raw, str):
        text = render(raw, context)
        try:
            raw = json.loads(text)
        except ValueError:
            raise LoopValueError(f"values must render to a JSON array, got {text[:80]!r}") from None
        if not isinstance(raw, list):
            raise LoopValueError("values must render to a JSON array")
    else:
        raw = render_value(raw, context)
    # dict.fromkeys keeps the first occurrence of each value, in order, in linear time.
    return list(dict.fromkeys(_as_value(item) for item in raw))


def _as_value(item: Any) -> str:
    if item is None or isinstance(item, (bool, float)):
        raise LoopValueError(f"unsupported loop value {item!r}: use strings, integers or maps")
    if isinstance(item, str):
        return item
    if isinstance(item, int):
        return str(item)
    return json.dumps(item, separators=(",", ":"), ensure_ascii=False)


def _iterate(tx, task, run, start, values: list[str], limit: int, inner: int) -> State | None:
    """Run the loop's tasks once per value, `limit` iterations at a time (0: all)."""
    tasks, errors = enabled(task.tasks), enabled(task.errors)
    main_ids = {t.id for t in tasks}
    children = tx.children(run.id)
    main_runs = [c for c in children if c.task_id in main_ids]
    if any(c.state is State.FAILED for c in main_runs) or \
            any(c.task_id not in main_ids for c in children):
        if errors and resolve_scope(tx, Scope(run, errors), start) is None:
            return None
        return fold_states([c.state for c in main_runs])
    by_value: dict[str, list] = {}
    unfinished: set[str] = set()
    for child in main_runs:
        by_value.setdefault(child.value, []).append(child)
        if not child.state.is_terminated:
            unfinished.add(child.value)
    # A finished iteration is skipped without resolving it again, so a message costs little
    # per finished value. (Nothing is written to the loop's own task run: it holds the whole
    # list of values, and rewriting it on every message would cost more than it saves.)
    active = 0
    for value in values:
        group = by_value.get(value)
        if group is not None and value not in unfinished and len(group) >= len(tasks):
            continue
        if group is None and limit and active >= limit:
            break
        scope = Scope(run, tasks, value=value, concurrency=inner, runs=group or [])
        if resolve_scope(tx, scope, start) is None:
            active += 1
    if active:
        return None
    return fold_states([c.state for c in tx.children(run.id) if c.task_id in main_ids])


def _run_loop(tx, config, task, run, start, raw_values, limit: int, inner: int):
    values = _loop_values(tx, config, task, run, raw_values)
    if values is None:
        return State.FAILED
    return _iterate(tx, task, tx.run(run.id), start, values, limit, inner)


@resolves(loops.ForEach)
def _for_each(tx, config, task, run, start):
    return _run_loop(tx, config, task, run, start, task.values,
                     int_or(task.concurrency_limit, 1), inner=1)


@resolves(loops.EachSequential)
def _each_sequential(tx, config, task, run, start):
    return _run_loop(tx, config, task, run, start, task.value, 1, inner=1)


@resolves(loops.EachParallel)
def _each_parallel(tx, config, task, run, start):
    return _run_loop(tx, config, task, run, start, task.value, int_or(task.concurrent, 0),
                     inner=0)


@resolves(branching.Dag)
def _dag(tx, config, task, run, start):
    nodes = [node for node in task.tasks if not node.task.disabled]
    errors = enabled(task.errors)
    children = tx.children(run.id)
    by_task = {c.task_id: c for c in children}
    main_runs = [by_task[n.task.id] for n in nodes if n.task.id in by_task]
    if any(r.state is State.FAILED for r in main_runs) or \
            any(c.task_id in {e.id for e in errors} for c in children):
        if errors and resolve_scope(tx, Scope(run, errors), start) is None:
            return None
        return fold_states([r.state for r in main_runs])
    concurrent = int_or(task.concurrent, 0)
    active = sum(1 for r in main_runs if not r.state.is_terminated)
    for node in nodes:
        if node.task.id in by_task or (concurrent and active >= concurrent):
            continue
        deps = [by_task.get(d) for d in node.depends_on or []]
        if all(d is not None and d.state.is_terminated for d in deps):
            start(node.task, run, None)
            active += 1
    children = tx.children(run.id)
    if len(children) < len(nodes) or any(not c.state.is_terminated for c in children):
        return None
    return fold_states([c.state for c in children])
