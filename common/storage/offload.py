"""Large task outputs live in internal storage; the execution keeps a small reference.

A worker whose task returns outputs larger than a limit stores them as JSON next to the
task run's files and reports `{"podium:outputsUri": uri, "size": n}` instead, so a big
output never crosses the queue nor sits in the executor's memory. Whoever renders
expressions with them resolves the reference first (`resolve`), so `outputs.t.value`
reads the same either way: the worker for the context it receives, the executor for its
own renders (runIf, conditions, flow outputs).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from podium.common.storage.base import Storage

MARKER = "podium:outputsUri"
OUTPUTS_FILE = "outputs.json"


def is_reference(value: Any) -> bool:
    return isinstance(value, dict) and MARKER in value and len(value) <= 2


def offload(outputs: dict[str, Any] | None, limit: int,
            store: Callable[[bytes], str]) -> dict[str, Any] | None:
    """The outputs, or a reference to them once stored with `store(json bytes) -> uri`
    when their JSON is over `limit` bytes."""
    if not outputs:
        return outputs
    data = json.dumps(outputs, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) <= limit:
        return outputs
    return {MARKER: store(data), "size": len(data)}


def load(storage: Storage, uri: str) -> Any:
    with storage.get(uri) as stream:
        return json.load(stream)


def resolve(value: Any, loader: Callable[[str], Any]) -> Any:
    """`value` with every reference replaced by what `loader(uri)` returns."""
    if is_reference(value):
        return loader(value[MARKER])
    if isinstance(value, dict):
        if not any(isinstance(item, (dict, list)) for item in value.values()):
            return value
        return {key: resolve(item, loader) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, loader) for item in value]
    return value
