"""The executor's task-run cache is only trusted at the exact row version it was left at."""

from __future__ import annotations

from datetime import datetime, timezone

from podium.common.models.execution import TaskRun
from podium.common.models.state import StateHistory
from podium.executor.run_cache import TaskRunCache

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)


def run(task_id: str) -> TaskRun:
    return TaskRun(execution_id="e", task_id=task_id, history=StateHistory.new(NOW))


def test_hit_only_at_the_same_version():
    cache = TaskRunCache()
    runs = [run("a")]
    cache.put("e", 3, runs)
    assert cache.get("e", 3) is runs
    assert cache.get("e", 4) is None, "another replica wrote: reload"
    assert cache.get("other", 3) is None


def test_bounded_least_recently_used_eviction():
    cache = TaskRunCache(size=2)
    cache.put("a", 1, [])
    cache.put("b", 1, [])
    cache.get("a", 1)
    cache.put("c", 1, [])
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) == [] and cache.get("c", 1) == []


def test_drop_forgets():
    cache = TaskRunCache()
    cache.put("e", 1, [run("a")])
    cache.drop("e")
    assert cache.get("e", 1) is None
