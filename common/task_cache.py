"""Kestra's `taskCache`, the pure part: which key a task's run is cached under, and whether
an entry is still fresh.

As Kestra's worker does (Worker.hashTask), the key is the SHA-256 of the task's whole
definition rendered in the run's context (so the rendered inputs, the type and the id count,
and a changed property is a new entry), with a fixed `workingDir` (it differs per attempt
and must not change the key), plus the task run's `value` (a loop iteration caches apart).
Entries are scoped to the flow (namespace, flow id), like Kestra's cache files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from podium.common.durations import parse_duration

# Kestra renders the task with this one variable faked: a per-attempt path.
FAKE_VARIABLES = {"workingDir": "workingDir"}


def cache_key(rendered_task: Any, value: str | None) -> str:
    """The hex SHA-256 naming the cache entry of a rendered task definition."""
    canonical = json.dumps({"task": rendered_task, "value": value}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def rendered_key(task: dict[str, Any], value: str | None,
                 render_value: Callable[[Any], Any]) -> str:
    """`cache_key` of `task` rendered by `render_value` (which may raise: the caller then
    runs the task uncached, as Kestra does when the key cannot be computed)."""
    return cache_key(render_value(task), value)


def is_fresh(created: datetime, ttl: str | None, now: datetime) -> bool:
    """An entry written at `created` is used at `now` unless `ttl` has passed since (the
    ttl of the task as it is now, as Kestra checks it); no ttl: it never expires."""
    return ttl is None or now <= created + parse_duration(ttl)


def enabled(task: dict[str, Any]) -> bool:
    """True when the task definition (as the worker receives it) turns the cache on."""
    cache = task.get("taskCache")
    return isinstance(cache, dict) and cache.get("enabled") is True
