"""Admin tasks that read the store or talk to the executor: io.kestra.plugin.core.execution
Count, Resume and PurgeExecutions, log.PurgeLogs and flow.PurgeFlows.

They use the handles the worker service sets on the RunContext: ``ctx.store`` (the
Database: read, or delete ended executions and logs; a worker never writes the state of a
live execution) and ``ctx.publish(queue, payload)``. Without them the task fails clearly.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from podium.common.messages import ResumeExecution
from podium.common.plugins.tasks._purge import VersionPurge
from podium.common.plugins.tasks.execution import Count, PurgeExecutions, Resume
from podium.common.plugins.tasks.flow import PurgeFlows
from podium.common.plugins.tasks.log_admin import PurgeLogs
from podium.common.storage import execution_prefix
from podium.common.store import (
    FlowRevision,
    delete_revisions,
    execution_counts,
    flow_namespaces,
    get_execution,
    list_flows,
    list_revisions,
    purge_executions,
    purge_logs,
    revisions_in_use,
)
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.purge_scope import purge_namespaces, wildcard_match


def _store(ctx: RunContext, task: Any):
    if ctx.store is None:
        raise TaskFailure(f"{type(task).TYPE} needs the store, which this worker was not given")
    return ctx.store


def _date(ctx: RunContext, value: str | None, name: str) -> datetime | None:
    """Kestra's ZonedDateTime.parse(render(value)); a date-time without offset is UTC."""
    if value is None:
        return None
    text = str(ctx.render(value)).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z")
                                        else text)
    except ValueError:
        raise TaskFailure(f"Invalid `{name}` '{text}': expected an ISO-8601 date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _optional(ctx: RunContext, value: str | None) -> str | None:
    return None if value is None else str(ctx.render(value))


@runs(Count)
def run_count(task: Count, ctx: RunContext) -> dict[str, Any]:
    """Count executions per flow (listed flows, 0 when none) and per namespace, started in
    [startDate, endDate (default now)]; keep those for which `expression`, rendered with
    `count`, renders to "true" (Kestra compares the text to "true")."""
    db = _store(ctx, task)
    start = _date(ctx, task.start_date, "startDate")
    end = _date(ctx, task.end_date, "endDate") or datetime.now(timezone.utc)
    flows = [(f.namespace, f.flow_id) for f in task.flows] if task.flows is not None else None
    with db.begin() as conn:
        counts = execution_counts(conn, flows=flows, namespaces=task.namespaces,
                                  states=task.states, start=start, end=end)
    ctx.log("TRACE", f"{len(counts)} flows matching filters")
    results = [{"namespace": ns, "flowId": fid, "count": n} for ns, fid, n in counts
               if str(ctx.render(task.expression, {"count": n})).strip() == "true"]
    ctx.log("DEBUG", f"{len(results)} flows matching the expression")
    return {"results": results, "total": sum(r["count"] for r in results)}


@runs(Resume)
def run_resume(task: Resume, ctx: RunContext) -> None:
    """Ask the executor to resume a paused execution (the current one by default) with the
    rendered `inputs`; the executor validates them against the Pause's onResume."""
    if ctx.publish is None:
        raise TaskFailure(f"{Resume.TYPE} needs the broker, which this worker was not given")
    current = ctx.context.get("execution") or {}
    execution_id = _optional(ctx, task.execution_id) or current.get("id")
    if not execution_id:
        raise TaskFailure("No execution to resume: set `executionId`")
    if ctx.store is not None:
        with ctx.store.begin() as conn:
            execution = get_execution(conn, execution_id)
        if execution is None:
            raise TaskFailure(f"No execution found for execution id {execution_id}")
        namespace, flow_id = _optional(ctx, task.namespace), _optional(ctx, task.flow_id)
        if (namespace is not None and namespace != execution.namespace) or \
                (flow_id is not None and flow_id != execution.flow_id):
            raise TaskFailure(f"No execution found for execution id {execution_id} in flow "
                              f"{namespace or execution.namespace}.{flow_id or execution.flow_id}")
    inputs = ctx.render_value(task.inputs) if task.inputs is not None else None
    ctx.publish(EXECUTOR_QUEUE,
                ResumeExecution(execution_id=execution_id, inputs=inputs).encode())
    ctx.log("INFO", f"Resume requested for execution {execution_id}")


@runs(PurgeExecutions)
def run_purge_executions(task: PurgeExecutions, ctx: RunContext) -> dict[str, Any]:
    """Delete the ended executions (with their task runs and logs) of the namespace and its
    sub-namespaces / flow created in [startDate, endDate], and with `purgeStorage` their
    files in internal storage (after the rows are gone). Metrics are not stored apart:
    their count is 0."""
    db = _store(ctx, task)
    namespace, flow_id = _optional(ctx, task.namespace), _optional(ctx, task.flow_id)
    start = _date(ctx, task.start_date, "startDate")
    end = _date(ctx, task.end_date, "endDate")
    selected: list[tuple[str, str, str]] = []
    with db.begin() as conn:
        executions, logs = purge_executions(conn, namespace, flow_id, start, end, task.states,
                                            purge_executions=task.purge_execution,
                                            purge_logs=task.purge_log, selected=selected)
    files = 0
    if task.purge_storage and ctx.storage is not None:
        for key in selected:
            files += ctx.storage.delete_prefix(execution_prefix(*key))
    return {"executionsCount": executions, "logsCount": logs, "storagesCount": files,
            "metricsCount": 0}


@runs(PurgeLogs)
def run_purge_logs(task: PurgeLogs, ctx: RunContext) -> dict[str, Any]:
    """Delete the logs of the namespace / flow with a timestamp in [startDate, endDate] and
    one of `logLevels` (any when unset)."""
    db = _store(ctx, task)
    namespace, flow_id = _optional(ctx, task.namespace), _optional(ctx, task.flow_id)
    start = _date(ctx, task.start_date, "startDate")
    end = _date(ctx, task.end_date, "endDate")
    with db.begin() as conn:
        count = purge_logs(conn, namespace, flow_id, task.log_levels, start, end)
    return {"count": count}


@runs(PurgeFlows)
def run_purge_flows(task: PurgeFlows, ctx: RunContext) -> dict[str, Any]:
    """Delete old revisions of the live flows of the namespaces `task` names (purge_scope.py)
    whose id matches `flowPattern`: all but the `keepAmount` newest (default 1), or those
    saved up to `before`, never the latest one. Deleted-flow markers are history and stay.
    Unlike Kestra, a revision an unfinished execution still runs is kept (and logged).
    Output `size`: how many revisions were deleted."""
    db = _store(ctx, task)
    behavior = task.behavior or VersionPurge(type="version", keep_amount=1)
    before = _date(ctx, behavior.before, "behavior.before")
    pattern = _optional(ctx, task.flow_pattern)
    with db.read() as conn:
        namespaces = set(purge_namespaces(ctx, task, flow_namespaces(conn)))
        live = [flow for flow in list_flows(conn) if flow.namespace in namespaces
                and (pattern is None or wildcard_match(flow.id, pattern))]
    ctx.log("INFO", f"purging old flow revisions from {len(namespaces)} namespaces: "
                    f"{sorted(namespaces)}")
    count = 0
    for flow in live:
        with db.begin() as conn:
            old = _old_revisions(list_revisions(conn, flow.namespace, flow.id), behavior, before)
            in_use = revisions_in_use(conn, flow.namespace, flow.id) & set(old)
            if in_use:
                ctx.log("INFO", f"{flow.namespace}.{flow.id}: revisions {sorted(in_use)} kept, "
                                f"unfinished executions run them")
            count += delete_revisions(conn, flow.namespace, flow.id,
                                      [r for r in old if r not in in_use])
    ctx.log("INFO", f"purged {count} flow revisions")
    return {"size": count}


def _old_revisions(rows: list[FlowRevision], behavior: VersionPurge, before) -> list[int]:
    revisions = sorted((row for row in rows if not row.deleted), key=lambda row: -row.revision)
    latest = max(row.revision for row in rows)
    if behavior.keep_amount is not None:
        chosen = revisions[behavior.keep_amount:]
    elif before is not None:
        chosen = [row for row in revisions if row.saved_at is not None and row.saved_at <= before]
    else:
        chosen = revisions
    return [row.revision for row in chosen if row.revision != latest]
