"""io.kestra.plugin.core.kv Set, Get, GetKeys, Delete, Put and PurgeKV: the namespace KV
store.

They reach the store through ``ctx.store`` (the Database the worker service sets), as the
admin tasks do; without it they fail clearly. `namespace` defaults to the flow's; reaching
another namespace follows Kestra's rule (``common.kv.KVStore``); PurgeKV reaches every
namespace it names, as Kestra OSS lets it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podium.common.kv import KVEntry, KVStore, patched_value, typed_value
from podium.common.plugins.tasks._purge import KeyPurge, VersionPurge
from podium.common.plugins.tasks.kv import Delete, Get, GetKeys, PurgeKV, Put, Set
from podium.common.store import flow_namespaces, kv_namespaces
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.purge_scope import iso_instant, purge_namespaces, wildcard_match


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


@runs(Put)
def run_put(task: Put, ctx: RunContext) -> None:
    """Update a key (created when missing, unless `errorOnMissing`): see
    common.kv.patched_value. The entry keeps its expiration date; its type follows the new
    value."""
    store = kv_store(ctx, task)
    namespace, key = _text(ctx, task.namespace), _text(ctx, task.key)
    update = ctx.render_typed(task.value) if isinstance(task.value, str) \
        else ctx.render_value(task.value)
    entry = store.get(namespace, key, from_namespace=flow_namespace(ctx))
    if entry is None and ctx.render_bool(task.error_on_missing):
        raise TaskFailure(f"No value found for key '{key}' in namespace '{namespace}' and "
                          f"`errorOnMissing` is set to true")
    value = patched_value(entry.value if entry is not None else None, update)
    store.put(namespace, key, typed_value(value), from_namespace=flow_namespace(ctx),
              expires=entry.expires if entry is not None else None)


@runs(PurgeKV)
def run_purge_kv(task: PurgeKV, ctx: RunContext) -> dict[str, Any]:
    """Delete keys of the namespaces `task` names (purge_scope.py). `behavior` key: expired
    keys, or all with `expiredOnly: false` (the deprecated `expiredOnly` property wins).
    `behavior` version: Podium keeps one version per key, so `before` (never the latest
    version) and `keepAmount` >= 1 purge nothing, and without either every key goes, as in
    Kestra. Output `size`: how many keys were deleted."""
    store = kv_store(ctx, task)
    with store.db.read() as conn:
        known = sorted(set(flow_namespaces(conn)) | set(kv_namespaces(conn)))
    namespaces = purge_namespaces(ctx, task, known)
    ctx.log("INFO", f"purging {len(namespaces)} namespaces: {namespaces}")
    choose = _chooser(task, ctx)
    count = sum(store.purge(namespace, choose) for namespace in namespaces)
    ctx.log("INFO", f"purged {count} keys")
    return {"size": count}


def _chooser(task: PurgeKV, ctx: RunContext):
    behavior = task.behavior
    if task.expired_only is not None:
        behavior = KeyPurge(type="key", expired_only=ctx.render_bool(task.expired_only))
    pattern = str(ctx.render(task.key_pattern)) if task.key_pattern else None
    if isinstance(behavior, VersionPurge) and behavior.before is not None:
        iso_instant(ctx, behavior.before, "behavior.before")  # checked, though nothing is older

    def picked(entry: KVEntry, now: datetime) -> bool:
        if isinstance(behavior, VersionPurge):
            return behavior.before is None and not behavior.keep_amount
        assert isinstance(behavior, KeyPurge)
        return not behavior.expired_only or \
            (entry.expires is not None and entry.expires <= now)

    def choose(entries: list[KVEntry], now: datetime) -> list[str]:
        return [entry.key for entry in entries if picked(entry, now)
                and (pattern is None or wildcard_match(entry.key, pattern))]
    return choose
