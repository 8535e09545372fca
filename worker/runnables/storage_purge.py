"""io.kestra.plugin.core.storage.PurgeStorage: reclaim execution files by date, including
those of flows or executions that no longer exist (Kestra's StoragePurgeService).

Execution files live under ``<ns as path>/<flow slug>/executions/<execution id>/``. The task
lists `namespace`'s tree (its sub-namespaces included), or one flow's `executions/` with
`flowId`, or without either every namespace any flow was ever saved in; it deletes each
execution file last modified in [startDate, endDate]. In a path, the flow is the first
segment followed by `executions` (a segment itself named `executions` is read as a
namespace, as Kestra does). `dryRun` (the default) deletes nothing and reports what would
go. Outputs: `scannedCount` (execution folders seen), `purgedCount` (executions with a
file in the window), `deletedFilesCount`; the same as counters `scanned`, `purged` and
`deleted.files`.
"""

from __future__ import annotations

from typing import Any

from podium.common.errors import UnsafePathError
from podium.common.plugins.tasks.storage import PurgeStorage
from podium.common.storage import namespace_path, slugify
from podium.common.storage.base import StorageEntry
from podium.common.storage.uris import URI_PREFIX
from podium.common.store import flow_namespaces
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.purge_scope import iso_instant

EXECUTIONS = "executions"


@runs(PurgeStorage)
def run_purge_storage(task: PurgeStorage, ctx: RunContext) -> dict[str, Any]:
    namespace = None if task.namespace is None else str(ctx.render(task.namespace)).strip()
    flow_id = None if task.flow_id is None else str(ctx.render(task.flow_id)).strip()
    start = iso_instant(ctx, task.start_date, "startDate") if task.start_date else None
    end = iso_instant(ctx, task.end_date, "endDate")
    dry_run = ctx.render_bool(task.dry_run)
    ctx.log("INFO", f"Starting PurgeStorage (dryRun={str(dry_run).lower()}) "
                    f"scope=[namespace={namespace}, flowId={flow_id}] window=[{start}, {end}]")
    storage = ctx.require_storage()
    scanned: set[str] = set()
    purged: set[str] = set()
    deleted = 0
    for entry in _entries(ctx, namespace, flow_id):
        execution = _execution_folder(entry.uri, flow_id is not None)
        if execution is None:
            continue
        scanned.add(execution)
        if (start is None or entry.modified >= start) and entry.modified <= end:
            purged.add(execution)
            if not dry_run and storage.delete(entry.uri):
                deleted += 1
        ctx.check_killed()
    ctx.log("INFO", f"PurgeStorage complete (dryRun={str(dry_run).lower()}): "
                    f"scanned={len(scanned)}, purged={len(purged)}, deletedFiles={deleted}")
    for name, value in (("scanned", len(scanned)), ("purged", len(purged)),
                        ("deleted.files", deleted)):
        ctx.metric({"name": name, "type": "counter", "value": value, "tags": {}})
    return {"scannedCount": len(scanned), "purgedCount": len(purged),
            "deletedFilesCount": deleted}


def _entries(ctx: RunContext, namespace: str | None, flow_id: str | None) -> list[StorageEntry]:
    storage = ctx.require_storage()
    try:
        if flow_id is not None:
            return storage.list(f"{URI_PREFIX}{namespace_path(namespace)}/{slugify(flow_id)}/"
                                f"{EXECUTIONS}")
        if namespace is not None:
            return storage.list(URI_PREFIX + namespace_path(namespace))
    except UnsafePathError as exc:  # a namespace or flow id leaving the tree
        raise TaskFailure(f"Invalid scope: {exc}") from None
    if ctx.store is None:
        raise TaskFailure(f"{PurgeStorage.TYPE} without `namespace` needs the store, which "
                          f"this worker was not given")
    with ctx.store.read() as conn:
        roots = {ns.split(".")[0] for ns in flow_namespaces(conn, with_deleted=True)}
    return [entry for root in sorted(roots) for entry in storage.list(URI_PREFIX + root)]


def _execution_folder(uri: str, flow_scoped: bool) -> str | None:
    """`<...>/<flow>/executions/<id>` of an execution file, None for any other file. With
    `flow_scoped` the listing was of one `<ns>/<flow>/executions`: the last `executions`
    segment before the file's execution id is that one."""
    segments = uri[len(URI_PREFIX):].split("/")
    if flow_scoped:
        candidates = [k for k in range(1, len(segments) - 2) if segments[k + 1] == EXECUTIONS]
        return "/".join(segments[:candidates[0] + 3]) if candidates else None
    for k in range(1, len(segments) - 3):  # a namespace of at least one segment before
        if segments[k].startswith("_"):  # namespace files, KV...: no flow below
            return None
        if segments[k + 1] == EXECUTIONS and segments[k] != EXECUTIONS:
            return "/".join(segments[:k + 3])
    return None
