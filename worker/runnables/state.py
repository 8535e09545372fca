"""io.kestra.plugin.core.state Set, Get and Delete: named JSON states of a flow.

Kept in the flow namespace's KV store, as Kestra 0.21 keeps them (its StateStore), under a
reserved key: ``[<flow slug>_]states_tasks-states_<name>[_<hash of taskrun.value>]``. The
flow slug is left out with ``namespace: true`` (a state shared by the namespace); the hash
is added inside loops unless ``taskrunValue: false``. The value is a JSON-typed entry
holding the state's map, so ``kv('<key>')`` reads it too. Kestra hashes the loop value with
murmur3; we use BLAKE2b (same length), so the keys differ from Kestra's in loops only.
"""

from __future__ import annotations

import hashlib
from typing import Any

from podium.common.kv import KVType, KVValue
from podium.common.plugins.tasks.state import Delete, Get, Set
from podium.common.storage.uris import slugify
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.kv import flow_namespace, kv_store

STATE_NAME = "tasks-states"


def state_key(name: str, *, flow_id: str | None, taskrun_value: str | None) -> str:
    """The KV key of a state (Kestra's StateStore.statePrefix with the `_` separator)."""
    key = f"states_{STATE_NAME}_{name}"
    if flow_id:
        key = f"{slugify(flow_id)}_{key}"
    if taskrun_value is not None:
        key += "_" + hashlib.blake2b(taskrun_value.encode("utf-8"), digest_size=16).hexdigest()
    return key


def _where(task: Any, ctx: RunContext) -> tuple[str, str]:
    """(KV namespace, key) of the task's state."""
    namespace = flow_namespace(ctx)
    if not namespace:
        raise TaskFailure(f"{type(task).TYPE} needs the flow namespace, which is not known here")
    flow = ctx.context.get("flow") or {}
    taskrun = ctx.context.get("taskrun") or {}
    value = taskrun.get("value") if task.taskrun_value else None
    key = state_key(str(ctx.render(task.name)), flow_id=None if task.namespace else flow.get("id"),
                    taskrun_value=None if value is None else str(value))
    return namespace, key


def merge(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Kestra's MapUtils.merge: maps merge deeply, lists concatenate, a null keeps the
    current value, anything else replaces it."""
    result = dict(current)
    for key, value in new.items():
        original = result.get(key)
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(original, dict):
            result[key] = merge(original, value)
        elif isinstance(value, list) and isinstance(original, list):
            result[key] = original + value
        else:
            result[key] = value
    return result


def _read(task: Any, ctx: RunContext) -> tuple[str, str, dict[str, Any] | None]:
    namespace, key = _where(task, ctx)
    entry = kv_store(ctx, task).get(namespace, key)
    data = entry.value if entry is not None and isinstance(entry.value, dict) else None
    return namespace, key, data


@runs(Set)
def run_set(task: Set, ctx: RunContext) -> dict[str, Any]:
    """Merge the rendered `data` into the state; outputs its size and key."""
    namespace, key, current = _read(task, ctx)
    data = ctx.render_value(task.data or {})
    merged = merge(current or {}, data)
    kv_store(ctx, task).put(namespace, key, KVValue(KVType.JSON, merged))
    return {"count": len(merged), "key": key}


@runs(Get)
def run_get(task: Get, ctx: RunContext) -> dict[str, Any]:
    _, key, data = _read(task, ctx)
    if data is None and task.error_on_missing:
        raise TaskFailure(f"State {key} not found")
    data = data or {}
    return {"count": len(data), "data": data}


@runs(Delete)
def run_delete(task: Delete, ctx: RunContext) -> dict[str, Any]:
    namespace, key = _where(task, ctx)
    deleted = kv_store(ctx, task).delete(namespace, key)
    if not deleted and task.error_on_missing:
        raise TaskFailure(f"Unable to find the state file '{ctx.render(task.name)}'")
    return {"deleted": deleted}
