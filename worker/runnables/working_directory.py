"""io.kestra.plugin.core.flow.WorkingDirectory on a worker (Kestra's Worker.handleTask).

The whole task arrives as one attempt. The `cache` of the last run is restored first
(working_directory_cache.py), then `namespaceFiles` copied and `inputFiles` written; then each enabled child runs, one after the other, as its own
attempt (`run_attempt`: timeout, kill, allowFailure, allowWarning, masking) in the SAME
working directory, rendered with the WorkingDirectory's variables plus `task` (the child)
and the outputs of the children before it. The first child that ends FAILED (allowFailure turns that into WARNING) or
KILLED stops the rest. Each child gets its own task run id, under which its logs stream;
the Outcome carries the children (`children`) for the executor to record, and the
WorkingDirectory's state folds theirs (KILLED > FAILED > WARNING > SUCCESS).

Each child renders with its own task run as `taskrun` (Kestra builds a run context per
child), so the files it stores land under its own task run, and with the WorkingDirectory's
own as `workerTaskrun` (Kestra's RunContextInitializer.forWorkingDirectory): one id the
children share, e.g. to name a file or a scratch table. Once the children are done
(unless killed), the `outputFiles` globs are uploaded from the shared directory as the
WorkingDirectory's `outputFiles` output, and the files matching `cache.patterns` archived
for the next run.
"""

from __future__ import annotations

from typing import Any

from podium.common.messages import ChildRun
from podium.common.models.execution import new_id
from podium.common.models.state import State, fold_states
from podium.common.plugins.tasks.flow import WorkingDirectory
from podium.common.store.types import utcnow
from podium.common.templating.context import put_keyed
from podium.worker.run_context import RunContext
from podium.worker.runnables.attempt import run_attempt
from podium.worker.runnables.base import Outcome, runs
from podium.worker.runnables.files import (
    render_file_map,
    render_patterns,
    upload_output_files,
    write_input_files,
)
from podium.worker.runnables.namespace_files import copy_namespace_files
from podium.worker.runnables.working_directory_cache import restore_cache, save_cache
from podium.worker.task_cache import look_up_child

_STOPS = (State.FAILED, State.KILLED)


@runs(WorkingDirectory)
def run_working_directory(task: WorkingDirectory, ctx: RunContext) -> Outcome:
    restored = restore_cache(ctx, task.cache) if task.cache is not None else {}
    extra = {"workingDir": str(ctx.working_dir)}
    copy_namespace_files(ctx, task.namespace_files)
    write_input_files(ctx, render_file_map(ctx, task.input_files, "inputFiles", extra),
                      "inputFiles")
    context = dict(ctx.context)
    outputs = _copy(context.get("outputs") or {})
    keys = _loop_keys(context)
    children: list[ChildRun] = []
    labels: list[dict[str, Any]] = []
    for child in task.tasks:
        if child.disabled:
            continue
        if ctx.killed.is_set():
            break
        run_id = new_id()
        sink = ctx.log_sink_for(run_id, child.id) if ctx.log_sink_for else None
        child_ctx = ctx.child({**context, "outputs": outputs,
                               "task": {"id": child.id, "type": child.type},
                               "taskrun": _child_taskrun(context, run_id),
                               "workerTaskrun": context.get("taskrun") or {}}, sink)
        started = utcnow()
        cached, cache_key = look_up_child(ctx.store, child, child_ctx)
        outcome = cached or run_attempt(child, child_ctx)
        children.append(ChildRun(id=run_id, task_id=child.id, state=outcome.state,
                                 outputs=outcome.outputs, error=outcome.error,
                                 started=started, ended=utcnow(),
                                 log_file=outcome.log_file, cache_key=cache_key))
        if outcome.outputs is not None:
            put_keyed(outputs, child.id, keys, outcome.outputs)
        labels.extend(outcome.labels or [])
        if outcome.state in _STOPS:
            break
    state = fold_states([c.state for c in children]) if children else State.SUCCESS
    if ctx.killed.is_set() and state is State.SUCCESS and \
            len(children) < sum(1 for t in task.tasks if not t.disabled):
        state = State.KILLED
    error = next((c.error for c in children if c.error and c.state in _STOPS), None)
    files = None
    if task.output_files is not None and state is not State.KILLED:
        files = {"outputFiles": upload_output_files(
            ctx, render_patterns(ctx, task.output_files, extra))}
    if task.cache is not None and state is not State.KILLED:
        save_cache(ctx, task.cache, restored)
    return Outcome(state, outputs=files, error=error, labels=labels or None,
                   children=children)


def _child_taskrun(context: dict[str, Any], run_id: str) -> dict[str, Any]:
    own = dict(context.get("taskrun") or {})
    child = {**own, "id": run_id, "attemptsCount": 0}
    if own.get("id"):
        child["parentId"] = own["id"]
    return child


def _loop_keys(context: dict[str, Any]) -> list[str]:
    """The loop values that key `outputs.<child>` (as executor/engine/context.py does):
    the enclosing runs' values, outermost first, then the WorkingDirectory run's own."""
    keys = []
    for parent in reversed(context.get("parents") or []):
        value = (parent.get("taskrun") or {}).get("value")
        if value is not None:
            keys.append(value)
    own = (context.get("taskrun") or {}).get("value")
    return keys + ([own] if own is not None else [])



def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value
