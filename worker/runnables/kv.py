"""io.kestra.plugin.core.kv Set, Get, GetKeys and Delete: the namespace KV store.

They reach the store through ``ctx.store`` (the Database the worker service sets), as the
admin tasks do; without it they fail clearly. `namespace` defaults to the flow's; reaching
another namespace follows Kestra's rule (``common.kv.KVStore``).
"""

from __future__ import annotations

from typing import Any

from common.kv import KVStore, typed_value
from common.plugins.tasks.kv import Delete, Get, GetKeys, Set

from worker.run_context import RunContext
from worker.runnables.base import TaskFailure, runs


def kv_store(ctx: RunContext, task: Any) -> KVStore:
    if ctx.store is None:
        raise TaskFailure(f"{type(task).TYPE} needs the KV store, which this worker was not "
                          f"given")
    return KVStore(ctx.store)


def flow_namespace(ctx: RunContext) -> str | None:
    flow = ctx.context.get("flow")
    return flow.get("namespace") if isinstance(flow, dict) else None


def _text(ctx: RunContext, value: Any) -> str:
    return str(ctx.render(value))


@runs(Set)
def run_set(task: Set, ctx: RunContext) -> None:
    """Store the rendered value (its type kept, or `value` parsed as `kvType`), with an
    expiration `ttl` from now; `overwrite: false` fails when the key exists."""
    store = kv_store(ctx, task)
    namespace, key = _text(ctx, task.namespace), _text(ctx, task.key)
    value = typed_value(ctx.render_typed(task.value), task.kv_type)
    store.put(namespace, key, value, ttl=task.ttl, overwrite=task.overwrite,
              from_namespace=flow_namespace(ctx))
    ctx.log("DEBUG", f"Key '{key}' set in namespace '{namespace}' ({value.type.value})")


@runs(Get)
def run_get(task: Get, ctx: RunContext) -> dict[str, Any]:
    store = kv_store(ctx, task)
    namespace, key = _text(ctx, task.namespace), _text(ctx, task.key)
    entry = store.get(namespace, key, from_namespace=flow_namespace(ctx))
    if entry is None and task.error_on_missing:
        raise TaskFailure(f"No value found for key '{key}' in namespace '{namespace}' and "
                          f"`errorOnMissing` is set to true")
    return {"value": entry.value if entry is not None else None}


@runs(GetKeys)
def run_get_keys(task: GetKeys, ctx: RunContext) -> dict[str, Any]:
    store = kv_store(ctx, task)
    namespace = _text(ctx, task.namespace)
    prefix = _text(ctx, task.prefix) if task.prefix is not None else None
    entries = store.list(namespace, prefix, from_namespace=flow_namespace(ctx))
    return {"keys": [entry.key for entry in entries]}


@runs(Delete)
def run_delete(task: Delete, ctx: RunContext) -> dict[str, Any]:
    store = kv_store(ctx, task)
    namespace, key = _text(ctx, task.namespace), _text(ctx, task.key)
    deleted = store.delete(namespace, key, from_namespace=flow_namespace(ctx))
    if not deleted and task.error_on_missing:
        raise TaskFailure(f"No value found for key '{key}' in namespace '{namespace}' and "
                          f"`errorOnMissing` is set to true")
    return {"deleted": deleted}
