"""The bookkeeping of a Kestra 2.0 Loop's iterations, as plain functions over its task run.

A Loop run remembers, in `flowable` (common/models/flowable_state.py):
- `items`: the rendered values (features/loop.py);
- `iterations`: {index (text): IterationEnd} of every iteration that ended, with
  the values its declared `outputs` rendered to in its own context (an iteration that
  runs again, after a restart, loses its record until it ends again);
- `broken`: true once `breakWhen` held (no further iteration starts).

From that the Loop's outputs are derived, as Kestra's Loop.Output has them:
`iterationCount`, `runningIterations`, `terminatedIterations` ({state: count}) and, when the
Loop declares `outputs`, `outputs`: one entry per iteration that gave outputs, in index
order (Kestra appends them as iterations end; the index order is the same when they run
one after the other, and stable when they do not),
`{"item": {"value", "iteration", "key"?}, "outputs": {id: value}}` (what `loopOutputs()`
and `outputs.<loop>.outputs[n].outputs.<id>` read).
"""

from __future__ import annotations

from typing import Any

from podium.common.inputs import coerce_output, to_json_value
from podium.common.models.execution import TaskRun
from podium.common.models.flowable_state import IterationEnd
from podium.common.models.state import State
from podium.common.templating import render_value

FAILURES = (State.FAILED, State.KILLED)


def broken(run: TaskRun) -> bool:
    return run.flowable.broken


def failed(run: TaskRun) -> bool:
    """Whether an ended iteration failed (or was killed)."""
    return any(entry.state in FAILURES for entry in (run.flowable.iterations or {}).values())


def stopped(run: TaskRun, transmit_failed: bool | None) -> bool:
    """No further iteration starts: `breakWhen` held, or an iteration failed and
    `transmitFailed` (None: not known yet, as no iteration failed in this message)."""
    return broken(run) or (bool(transmit_failed) and failed(run))


def recorded(run: TaskRun, index: int) -> bool:
    return str(index) in (run.flowable.iterations or {})


def recorded_run(run: TaskRun, index: int, state: State, outputs: dict[str, Any] | None,
                 stop: bool) -> TaskRun:
    """The Loop run with one more ended iteration (and `broken` once a break held)."""
    ended = {**(run.flowable.iterations or {}),
             str(index): IterationEnd(state=state, outputs=outputs)}
    return run.with_flowable(iterations=ended, broken=run.flowable.broken or stop)


def forgotten_run(run: TaskRun, index: int) -> TaskRun:
    """The Loop run without the record of an iteration that runs again (a restart)."""
    ended = dict(run.flowable.iterations or {})
    ended.pop(str(index), None)
    return run.with_flowable(iterations=ended)


def render_outputs(declared: list[Any], context: dict[str, Any]) -> dict[str, Any]:
    """An iteration's declared outputs, rendered and coerced to their types. Raises
    TemplateError / OutputError naming the output that failed."""
    return {output.id: to_json_value(coerce_output(output.type, render_value(
        output.value, context), output.id)) for output in declared}


def loop_outputs(run: TaskRun, items: list[dict[str, Any]], running: int,
                 declared: bool) -> dict[str, Any]:
    ended = run.flowable.iterations or {}
    counts: dict[str, int] = {}
    for entry in ended.values():
        counts[entry.state.value] = counts.get(entry.state.value, 0) + 1
    result: dict[str, Any] = {"iterationCount": len(items), "runningIterations": running,
                              "terminatedIterations": counts}
    if declared:
        # As Kestra, only iterations that gave outputs (a failed one gives none).
        result["outputs"] = [_entry(items, int(index), ended[index])
                             for index in sorted(ended, key=int) if ended[index].outputs]
    return result


def _entry(items: list[dict[str, Any]], index: int, ended: IterationEnd) -> dict[str, Any]:
    item = {"value": items[index]["value"], "iteration": index}
    if "key" in items[index]:
        item["key"] = items[index]["key"]
    return {"item": item, "outputs": ended.outputs}
