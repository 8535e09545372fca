"""The namespace KV store for plugin tasks (what Kestra's ``runContext.namespaceKv()``
gives), version 1.0: ``kv_get`` and ``kv_put``, with Kestra's rule on reaching another
namespace than the flow's (common.kv.KVStore). Only a worker's RunContext has a store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podium.common.errors import TaskFailure
from podium.common.plugins.run_context import RunContext

# The store (SQLAlchemy, Alembic) is imported when a task reaches it, not here: plugin
# modules import this one at load time, where only the task classes are wanted.
if TYPE_CHECKING:
    from podium.common.kv import KVStore


def _store(ctx: RunContext) -> tuple[KVStore, str | None]:
    from podium.common.kv import KVStore

    database = getattr(ctx, "store", None)
    if database is None:
        raise TaskFailure("The KV store is not available to this task (no store given to "
                          "the worker)")
    flow = ctx.context.get("flow")
    return KVStore(database), flow.get("namespace") if isinstance(flow, dict) else None


def kv_get(ctx: RunContext, namespace: str, key: str) -> Any:
    """The value of `key` in `namespace` (its own type), or None when absent or expired."""
    store, own = _store(ctx)
    entry = store.get(namespace, key, from_namespace=own)
    return None if entry is None else entry.value


def kv_put(ctx: RunContext, namespace: str, key: str, value: Any) -> None:
    """Store `value` (its type inferred, as kv.Set does) at `key` of `namespace`."""
    from podium.common.kv import typed_value

    store, own = _store(ctx)
    store.put(namespace, key, typed_value(value), from_namespace=own)


__all__ = ["kv_get", "kv_put"]
