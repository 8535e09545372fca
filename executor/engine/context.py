"""The expression context of a task run, built from the execution's data (Kestra's
RunVariables). Used for what the executor renders (runIf, conditions, outputs) and sent
with each dispatched attempt so the worker renders with exactly the same variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from podium.common.call_chain import DEFAULT_MAX_DEPTH
from podium.common.error_logs import with_pending
from podium.common.inputs import to_json_value
from podium.common.models.execution import TaskRun
from podium.common.plugins.base import Task
from podium.common.storage.offload import resolve as resolve_offloaded
from podium.common.store.logs import LogEntry
from podium.common.templating import SERVICES_KEY, RenderServices, build_context
from podium.common.templating.context import DEFAULT_ENV_PREFIX, put_keyed
from podium.executor.engine import loop_scope
from podium.executor.engine.folding import missing_folded
from podium.executor.engine.view import ExecutionTx, NeedFoldedRuns

# (namespace, render context) -> the services of one executor render.
RenderServicesFactory = Callable[[str, dict[str, Any]], RenderServices]

@dataclass(frozen=True)
class EngineConfig:
    """What the engine needs from settings, passed in so the engine stays pure."""

    environ: dict[str, str] = field(default_factory=dict)
    env_prefix: str = DEFAULT_ENV_PREFIX
    globals_: dict[str, Any] = field(default_factory=dict)
    # The functions of the executor's own renders that need I/O (read(), kv(), secret()):
    # (namespace, context) -> RenderServices. None: they fail with a clear error.
    render_services: RenderServicesFactory | None = field(default=None, compare=False)
    # Encrypts the SECRET inputs of the executions the executor creates (subflows).
    cipher: Any = field(default=None, compare=False)
    # Reads outputs a worker stored apart (common/storage/offload.py): uri -> value.
    load_outputs: Callable[[str], Any] | None = field(default=None, compare=False)
    # Writes a WriteFile command's file to internal storage: (uri, bytes). The handler
    # calls it (never the engine); None: the engine refuses what would need it.
    write_file: Callable[[str, bytes], Any] | None = field(default=None, compare=False)
    # A task run whose worker died this many times in a row fails (a poison task).
    max_lost_attempts: int = 3
    # Longest chain of flows starting flows (common/call_chain.py).
    max_chain_depth: int = DEFAULT_MAX_DEPTH


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds, as Kestra's dates print in expressions."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{value.microsecond // 1000:03d}Z"


# Where SetVariables / UnsetVariables keep the execution's `vars` in `execution.variables`
# (Kestra's execution variables, which start as a copy of the flow's `variables`). Absent
# until one of them runs: `vars` is then the flow's `variables`.
EXECUTION_VARS = "vars"


def execution_vars(tx: ExecutionTx) -> dict[str, Any]:
    """`vars` of the execution's renders: what SetVariables/UnsetVariables left, else the
    flow's `variables` (not rendered, as Kestra keeps them)."""
    stored = (tx.execution.variables or {}).get(EXECUTION_VARS)
    return stored if stored is not None else (tx.flow.variables or {})


def task_context(tx: ExecutionTx, config: EngineConfig, run: TaskRun | None = None,
                 task: Task | None = None, extra: dict[str, Any] | None = None,
                 uses: set[str] | None = None, for_worker: bool = False) -> dict[str, Any]:
    """The variables of one render. `uses`: the task ids whose `outputs`/`tasks` entries
    the templates can reach (by default those `task` refers to; all without a task), so a
    dispatch does not carry a whole loop's outputs when it references none of them."""
    flow, execution = tx.flow, tx.execution
    if uses is None and task is not None:
        uses = task_references(tx, task)
    inherited: dict[str, Any] = {}
    # A feature's own names (Loop's `item`): `tx.wiring.context_extras` (executor/wiring.py).
    # Their `taskrun` entry is merged into the run's own `taskrun` variables, which win.
    extras = tx.wiring.context_extras
    if run is not None and extras:
        extra = {**{k: v for fn in extras for k, v in fn(tx, run).items()}, **(extra or {})}
        inherited = extra.pop("taskrun", None) or {}
    ancestors = tx.ancestors(run) if run else []
    context = build_context(
        flow_id=flow.id, namespace=flow.namespace, revision=execution.flow_revision,
        execution_id=execution.id, execution_start_date=iso(execution.history.start_date),
        original_id=execution.original_id or execution.id,
        task_id=task.id if task else None, task_type=task.type if task else None,
        taskrun_id=run.id if run else None,
        taskrun_start_date=iso(run.history.start_date) if run else None,
        # Kestra counts the attempts before the running one: 0 during the first.
        attempts_count=sum(1 for a in run.attempts if a.state.is_terminated) if run else None,
        parent_taskrun_id=run.parent_task_run_id if run else None,
        taskrun_value=run.value if run else None, iteration=run.iteration if run else None,
        parents=[{"value": p.value, "outputs": p.outputs} for p in ancestors] if run else None,
        outputs=outputs_variable(tx, uses, task, run), tasks=tasks_variable(tx, uses, task, run),
        inputs=execution.inputs, input_defaults=input_defaults(tx),
        variables=execution_vars(tx), labels=[(lb["key"], lb["value"]) for lb in execution.labels],
        trigger=(execution.trigger or {}).get("variables") if execution.trigger else None,
        environ=config.environ, env_prefix=config.env_prefix, globals_=config.globals_,
        extra=extra)
    if inherited and "taskrun" in context:
        context["taskrun"] = {**inherited, **context["taskrun"]}
    # afterExecution tasks act on the final state, which waits in the engine state until
    # they end.
    pending = execution.engine.pending_final_state
    context["execution"]["state"] = (pending or execution.state).value
    if execution.outputs is not None:  # the flow outputs, once rendered (afterExecution)
        context["execution"]["outputs"] = execution.outputs
    if config.load_outputs is not None and not for_worker:  # a worker resolves its own
        context["outputs"] = resolve_offloaded(context["outputs"], config.load_outputs)
    if config.render_services is not None and not for_worker:  # a worker brings its own
        context[SERVICES_KEY] = _executor_services(tx, config.render_services, context)
    return context


def _executor_services(tx: ExecutionTx, make: RenderServicesFactory,
                       context: dict[str, Any]) -> RenderServices:
    """The executor's services for one render; errorLogs() also sees the ERROR lines this
    message logged and has not committed yet (a flowable that just failed)."""
    services = make(tx.flow.namespace, context)
    committed = services.error_logs
    if committed is not None:
        services.error_logs = lambda: with_pending(committed(), _pending_logs(tx))
    return services


def _pending_logs(tx: ExecutionTx) -> list[LogEntry]:
    """The lines of the message being handled (a worker's result carries its last ones:
    `worker_logs`), then those this handling logged."""
    entries = list(tx.facts.worker_logs)
    for run_id, level, message in tx.logs:
        run = tx.any_run(run_id) if run_id else None
        entries.append(LogEntry(execution_id=tx.execution.id, task_run_id=run_id,
                                task_id=run.task_id if run else None, attempt=None,
                                level=level, message=message, timestamp=tx.now,
                                namespace=tx.flow.namespace, flow_id=tx.flow.id))
    return entries


def outputs_variable(tx: ExecutionTx, uses: set[str] | None = None,
                     at: Task | None = None, run: TaskRun | None = None) -> dict[str, Any]:
    """`outputs.<taskId>`, keyed further by loop values for runs inside loops; as a
    render at `run` sees them (Loop iterations are scoped: executor/engine/loop_scope.py)."""
    result: dict[str, Any] = {}
    for seen, keys in _visible_runs(tx, uses, at, run):
        if seen.outputs is not None:
            put_keyed(result, seen.task_id, keys, seen.outputs)
    return result


def tasks_variable(tx: ExecutionTx, uses: set[str] | None = None,
                   at: Task | None = None, run: TaskRun | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for seen, keys in _visible_runs(tx, uses, at, run):
        put_keyed(result, seen.task_id, keys, {"state": seen.state.value})
    return result


def _visible_runs(tx: ExecutionTx, uses: set[str] | None, at: Task | None,
                  run: TaskRun | None) -> list[tuple[TaskRun, list[str]]]:
    """The runs a render at `run` may read, each with the keys of its outputs."""
    runs = _runs_used(tx, uses, at)
    if not loop_scope.has_loops(tx):
        return [(seen, _loop_keys(tx, seen)) for seen in runs]
    here = loop_scope.iteration_path(tx, run)
    found = []
    for seen in runs:
        there = loop_scope.iteration_path(tx, seen)
        if not there:
            found.append((seen, _loop_keys(tx, seen)))
        elif loop_scope.visible(here, there):
            found.append((seen, loop_scope.scoped_keys(tx, seen)))
    return found


def _runs_used(tx: ExecutionTx, uses: set[str] | None, at: Task | None) -> list[TaskRun]:
    """The runs of the tasks a render uses: live ones, and the ones loops folded when the
    render is outside their loop (NeedFoldedRuns when the handler has not loaded them)."""
    task_ids = tx.flow.task_index().keys() if uses is None else uses
    missing = missing_folded(tx, task_ids, at.id if at else None,
                             template_text(tx, at) if at else None)
    if missing:
        raise NeedFoldedRuns(missing)
    folded = [run for task_id in task_ids for run in tx.folded_runs_of(task_id)]
    if uses is None and not folded:
        return tx.runs()
    live = tx.runs() if uses is None else \
        [run for task_id in uses for run in tx.runs_of_task(task_id)]
    return sorted((*live, *folded), key=lambda run: run.seq)


# Expressions that can reach any variable by name at render time.
_DYNAMIC = ("render(", "renderOnce(", "printContext(", "fetchContext(", "currentEachOutput(",
            "tasksWithState(")


def referenced_tasks(tx: ExecutionTx, value: Any) -> set[str] | None:
    """Task ids a task definition's templates may refer to (a superset: any id that appears
    in an expression), or None when a dynamic function could reach anything."""
    text = _templates(value)
    if not text:
        return set()
    if any(marker in text for marker in _DYNAMIC):
        return None
    return {task_id for task_id in tx.flow.task_index() if task_id in text}


def task_references(tx: ExecutionTx, task: Task) -> set[str] | None:
    """`referenced_tasks` of a task's definition (pluginDefaults applied), once per message.
    A script task with `executionContext` hands its script every output (None): the script
    reads them from a file, not through expressions the definition would show."""
    memo: dict[str, set[str] | None] = tx.memo.setdefault("references", {})
    if task.id not in memo:
        definition = task_definition(tx, task)
        memo[task.id] = None if definition.get("executionContext") not in (None, False) \
            else referenced_tasks(tx, definition)
    return memo[task.id]


def template_text(tx: ExecutionTx, task: Task) -> str:
    """Every template of a task's definition, one text (what its renders can read)."""
    memo: dict[str, str] = tx.memo.setdefault("templates", {})
    if task.id not in memo:
        memo[task.id] = _templates(task_definition(tx, task))
    return memo[task.id]


def _templates(value: Any) -> str:
    return "\n".join(s for s in _strings(value) if "{{" in s or "{%" in s)


def task_definition(tx: ExecutionTx, task: Task) -> dict[str, Any]:
    """The task as a worker must rebuild it: what the flow said, pluginDefaults applied."""
    memo: dict[str, dict[str, Any]] = tx.memo.setdefault("definitions", {})
    if task.id not in memo:
        memo[task.id] = task.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return memo[task.id]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _loop_keys(tx: ExecutionTx, run: TaskRun) -> list[str]:
    keys = [p.value for p in reversed(tx.ancestors(run)) if p.value is not None]
    return keys + ([run.value] if run.value is not None else [])



def input_defaults(tx: ExecutionTx) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for declaration in tx.flow.inputs or []:
        value = getattr(declaration, "defaults", None)
        key = declaration.id or declaration.name
        if value is not None and key is not None:
            defaults[key] = to_json_value(value)
    return defaults
