"""Resolvers for loops (ForEach, EachSequential, EachParallel) and Dag.

Loop children carry the loop value of their iteration; one iteration is a sequential group
of the loop's tasks (all of them at once for EachParallel). Values are rendered once, when
the loop starts: strings rendered, numbers as text, maps and lists as compact JSON,
duplicates dropped (Kestra's distinct values).

Scale: a loop of 100,000 values must cost the same per item as one of 1,000. So the values
are stored outside the loop's task run (StoreLoopValues; the handler gives back the next
window of them in `facts.loop_values`), and an iteration that finished without failing
is *folded*: its states are counted in the loop's progress and its task runs leave the
working set the executor loads on every message. A message then costs what the running
iterations cost, whatever the number of finished ones. The progress, in the loop's
`flowable.loop`: `count` values, `next` (index of the next value to start), `window`
(how many values the next message may start), `done` (folded iterations' main task-run
states -> count), `seq` (highest folded seq, so new runs still number after them), `again` (values a replay
runs again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from podium.common.errors import TemplateError
from podium.common.models.execution import TaskRun
from podium.common.models.state import State, fold_states
from podium.common.plugins.base import Task
from podium.common.plugins.tasks.flow_branching import Dag
from podium.common.plugins.tasks.flow_loops import EachParallel, EachSequential, ForEach
from podium.common.templating import render, render_value
from podium.executor.engine.branches import Scope, enabled, resolve_scope
from podium.executor.engine.commands import StoreLoopValues
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.facts import ValueWindow
from podium.executor.engine.flowables import StartRun, int_or
from podium.executor.engine.view import ExecutionTx

# States that keep an iteration in the working set: a restart looks for them there.
_KEEP_LIVE = (State.FAILED, State.KILLED, State.PAUSED)


# The tasks resolved here over stored values (the only ones with a `flowable.loop`).
LoopTask = ForEach | EachSequential | EachParallel
# A loop's progress (`flowable.loop`, see above): still a plain dict (the stored JSON).
Progress = dict[str, Any]


class LoopValueError(ValueError):
    pass


def _start_loop(tx: ExecutionTx, config: EngineConfig, task: LoopTask, run: TaskRun, raw: Any,
                limit: int) -> list[str] | None:
    """Render the values, have them stored, and set up the loop's progress."""
    try:
        values = _render_values(raw, task_context(tx, config, run, task))
    except (TemplateError, LoopValueError) as exc:
        tx.log(run.id, "ERROR", f"Cannot compute loop values: {exc}")
        return None
    tx.emit(StoreLoopValues(task_run_id=run.id, values=tuple(values)))
    progress = {"count": len(values), "next": 0, "window": limit or len(values), "done": {},
                "seq": -1}
    tx.put_run(run.with_flowable(loop=progress))
    tx.facts.loop_values[run.id] = ValueWindow(0, values)
    return values


def _render_values(raw: Any, context: dict[str, Any]) -> list[str]:
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
    if any(item is None for item in raw):  # Kestra's FlowableUtils message, word for word
        raise LoopValueError(f"Found '1' null values on Each, with values={_java_text(raw)}")
    # dict.fromkeys keeps the first occurrence of each value, in order, in linear time.
    return list(dict.fromkeys(_as_value(item) for item in raw))


def _java_text(value: Any) -> str:
    """`value` as Java's toString prints the parsed JSON (`[1, null, {key=v}]`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _as_value(item: Any) -> str:
    if item is None or isinstance(item, (bool, float)):
        raise LoopValueError(f"unsupported loop value {item!r}: use strings, integers or maps")
    if isinstance(item, str):
        return item
    if isinstance(item, int):
        return str(item)
    return json.dumps(item, separators=(",", ":"), ensure_ascii=False)


def _value_at(tx: ExecutionTx, run: TaskRun, index: int) -> str | None:
    """The loop's value at `index`, from the window the handler loaded (None: not loaded)."""
    offset, values = tx.facts.loop_values.get(run.id, ValueWindow(0, []))
    position = index - offset
    return values[position] if 0 <= position < len(values) else None


def _progress(run: TaskRun) -> Progress:
    loop = run.flowable.loop or {}
    return {**loop, "done": dict(loop["done"])}


def _iterate(tx: ExecutionTx, task: LoopTask, run: TaskRun, start: StartRun, limit: int,
             inner: int) -> State | None:
    """Run the loop's tasks once per value, `limit` iterations at a time (0: all)."""
    tasks, errors = enabled(task.tasks), enabled(task.errors)
    main_ids = {t.id for t in tasks}
    progress = _progress(run)
    children = tx.children(run.id)
    main_runs = [c for c in children if c.task_id in main_ids]
    if progress["done"].get(State.FAILED.value) or \
            any(c.state is State.FAILED for c in main_runs) or \
            any(c.task_id not in main_ids for c in children):
        if errors and resolve_scope(tx, Scope(run, errors), start) is None:
            return None
        return _final_state(progress, main_runs)
    groups: dict[str | None, list[TaskRun]] = {}
    for child in main_runs:
        groups.setdefault(child.value, []).append(child)
    active = 0
    finished: list[str | None] = []
    # Iterations to run again (a replay from inside one) that have no run left.
    again = [value for value in progress.pop("again", []) if value not in groups]
    numbered = tuple(t.id for t in task.tasks or [])
    rest: list[tuple[str | None, list[TaskRun]]] = [(value, []) for value in again]
    for value, group in [*groups.items(), *rest]:
        if _busy(group, len(tasks), inner):
            active += 1  # nothing can start in it before one of its runs ends
        elif _resolve_iteration(tx, run, tasks, value, inner, group, start,
                                _numbering(group, numbered), numbered):
            finished.append(value)
        else:
            active += 1
    while progress["next"] < progress["count"] and (not limit or active < limit):
        value = _value_at(tx, run, progress["next"])
        if value is None:
            break  # beyond the loaded window: the next message starts it
        progress["next"] += 1
        if _resolve_iteration(tx, run, tasks, value, inner, [], start,
                              (progress["next"] - 1) * len(numbered), numbered):
            finished.append(value)
        else:
            active += 1
    _fold_iterations(tx, run, main_ids, finished, progress)
    if active or progress["next"] < progress["count"]:
        return None
    return _final_state(progress, [c for c in tx.children(run.id) if c.task_id in main_ids])


def _busy(group: list[TaskRun], size: int, inner: int) -> bool:
    """An iteration with a run still going and nothing left it could start meanwhile:
    sequential with a running task, or every task already started."""
    if inner != 1 and len(group) < size:
        return False
    for r in group:  # a plain loop: called for every live iteration on every message
        if not r.state.is_terminated:
            return True
    return False


def _resolve_iteration(tx: ExecutionTx, run: TaskRun, tasks: list[Task], value: str | None,
                       inner: int, group: list[TaskRun], start: StartRun,
                       numbering: int | None, numbered: tuple[str, ...]) -> bool:
    """Advance one iteration; True when it is over."""
    return resolve_scope(tx, Scope(run, tasks, value=value, concurrency=inner, runs=group,
                                   numbering=numbering, numbered=numbered),
                         start) is not None


def _numbering(group: list[TaskRun], numbered: tuple[str, ...]) -> int | None:
    """The first task's `iteration` of a value already started, from one of its runs."""
    for child in group:
        if child.iteration is not None and child.task_id in numbered:
            first: int = child.iteration - numbered.index(child.task_id)
            return first
    return None


def _fold_iterations(tx: ExecutionTx, run: TaskRun, main_ids: set[str], values: list[str | None],
                     progress: Progress) -> None:
    """Count the finished iterations in the loop's progress and fold their task runs; one
    with a failed, killed or paused run stays live (errors, restart and resume use it)."""
    wanted = set(values)
    groups = [c for c in tx.children(run.id) if c.value in wanted]
    keep = {c.value for c in groups if c.state in _KEEP_LIVE}
    folding = [c for c in groups if c.value not in keep]
    for child in folding:
        if child.task_id in main_ids:
            state = child.state.value
            progress["done"][state] = progress["done"].get(state, 0) + 1
    progress["seq"] = max(progress["seq"], tx.fold(folding))
    loop_run = tx.require_run(run.id)
    if loop_run.flowable.loop != progress:
        tx.put_run(loop_run.with_flowable(loop=progress))


@dataclass
class Reopening:
    """What running again the iterations around one task run changes (a replay from it, a
    set-state of it): the folded runs that become live, each loop's progress after."""

    unfold: set[str] = field(default_factory=set)
    progress: dict[str, Progress] = field(default_factory=dict)


def reopening(tx: ExecutionTx, target: TaskRun) -> Reopening:
    """Needs every run loaded (folded ones too). Each loop on the path to `target` starts
    the iteration holding it `again` if it has no run left; a folded one stops being
    counted and its runs come back live, except those an inner loop counts itself."""
    path = [*reversed(tx.ancestors(target)), target]
    children: dict[str | None, list[TaskRun]] = {}
    for run in tx.all_runs():
        children.setdefault(run.parent_task_run_id, []).append(run)
    result = Reopening()
    for loop_run, child in zip(path, path[1:]):
        if loop_run.flowable.loop is None:
            continue
        progress = _progress(loop_run)
        progress["again"] = [*progress.get("again", []), child.value]
        result.progress[loop_run.id] = progress
        if not child.folded:
            continue
        main = {t.id for t in _main_tasks(tx.task(loop_run.task_id))}
        group = [r for r in children.get(loop_run.id, []) if r.value == child.value]
        for run in group:
            if run.task_id in main:
                progress["done"][run.state.value] -= 1
        result.unfold |= _folded_below(group, children, on_path={r.id for r in path})
    return result


def _folded_below(runs: list[TaskRun], children: dict[str | None, list[TaskRun]],
                  on_path: set[str]) -> set[str]:
    """These folded runs and their folded descendants, but not the iterations of an inner
    loop (its own progress counts them) unless the path goes through them."""
    found: set[str] = set()
    stack = list(runs)
    while stack:
        run = stack.pop()
        if run.folded:
            found.add(run.id)
        siblings = children.get(run.id, [])
        for child in siblings:
            counted = run.flowable.loop is not None and child.value is not None
            if not counted or any(c.id in on_path for c in siblings if c.value == child.value):
                stack.append(child)
    return found


def value_windows(runs: Iterable[TaskRun],
                  fetch: Callable[[str, int, int], tuple[int, list[str]]]) -> dict[str, ValueWindow]:
    """The `loop_values` fact: for each loop with values left to start, the next window of
    them, read with `fetch(loop_run_id, start, stop) -> (offset, values)`."""
    windows: dict[str, ValueWindow] = {}
    for run in runs:
        progress = run.flowable.loop
        if progress and not run.folded and progress["next"] < progress["count"]:
            start = progress["next"]
            stop = min(start + progress["window"], progress["count"])
            windows[run.id] = ValueWindow(*fetch(run.id, start, stop))
    return windows


def _final_state(progress: Progress, live_main_runs: list[TaskRun]) -> State:
    counted = [State(state) for state, n in progress["done"].items() if n]
    return fold_states(counted + [c.state for c in live_main_runs])


def _main_tasks(task: Task) -> list[Task]:
    """The tasks each iteration of a loop (one with a `flowable.loop`) runs."""
    return (task.tasks or []) if isinstance(task, (ForEach, EachSequential, EachParallel)) else []


def _run_loop(tx: ExecutionTx, config: EngineConfig, task: LoopTask, run: TaskRun,
              start: StartRun, raw_values: Any, limit: int, inner: int) -> State | None:
    if run.flowable.loop is None:
        if _start_loop(tx, config, task, run, raw_values, limit) is None:
            return State.FAILED
    return _iterate(tx, task, tx.require_run(run.id), start, limit, inner)


def resolve_for_each(tx: ExecutionTx, config: EngineConfig, task: ForEach, run: TaskRun,
                     start: StartRun) -> State | None:
    return _run_loop(tx, config, task, run, start, task.values,
                     int_or(task.concurrency_limit, 1), inner=1)


def resolve_each_sequential(tx: ExecutionTx, config: EngineConfig, task: EachSequential,
                            run: TaskRun, start: StartRun) -> State | None:
    return _run_loop(tx, config, task, run, start, task.value, 1, inner=1)


def resolve_each_parallel(tx: ExecutionTx, config: EngineConfig, task: EachParallel,
                          run: TaskRun, start: StartRun) -> State | None:
    return _run_loop(tx, config, task, run, start, task.value, int_or(task.concurrent, 0),
                     inner=0)


def resolve_dag(tx: ExecutionTx, config: EngineConfig, task: Dag, run: TaskRun,
                start: StartRun) -> State | None:
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
