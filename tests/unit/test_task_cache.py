"""taskCache's pure rules (common/task_cache.py) and the property on tasks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.common.errors import FlowValidationError, TemplateError
from podium.common.flow.loader import parse_flow
from podium.common.task_cache import FAKE_VARIABLES, cache_key, enabled, is_fresh, rendered_key
from podium.common.templating import render_value

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
TASK = {"id": "t", "type": "io.kestra.plugin.core.debug.Return",
        "format": "{{ inputs.x }} in {{ workingDir }}", "taskCache": {"enabled": True}}


def key_for(x: str, value: str | None = None, task: dict = TASK) -> str:
    return rendered_key(task, value, lambda d: render_value(d, {"inputs": {"x": x},
                                                                **FAKE_VARIABLES}))


def test_the_key_follows_the_rendered_definition_and_the_task_run_value():
    assert key_for("a") == key_for("a")
    assert len(key_for("a")) == 64
    assert key_for("a") != key_for("b")  # rendered inputs count
    assert key_for("a") != key_for("a", "iteration-1")  # a loop iteration caches apart
    assert key_for("a") != key_for("a", task={**TASK, "id": "other"})  # so does the task id


def test_the_key_does_not_depend_on_key_order():
    assert cache_key({"a": 1, "b": [1, {"c": 2, "d": 3}]}, None) == \
        cache_key({"b": [1, {"d": 3, "c": 2}], "a": 1}, None)


def test_a_property_that_does_not_render_raises_so_the_task_runs_uncached():
    with pytest.raises(TemplateError):
        rendered_key({"format": "{{ outputs.missing.value }}"}, None,
                     lambda d: render_value(d, {}))


def test_freshness_uses_the_ttl_and_no_ttl_never_expires():
    assert is_fresh(T0, "PT1H", T0 + timedelta(minutes=59))
    assert is_fresh(T0, "PT1H", T0 + timedelta(hours=1))
    assert not is_fresh(T0, "PT1H", T0 + timedelta(hours=1, seconds=1))
    assert is_fresh(T0, None, T0 + timedelta(days=3650))


def test_enabled_reads_the_definition_the_worker_receives():
    assert enabled(TASK)
    assert not enabled({**TASK, "taskCache": {"enabled": False}})
    assert not enabled({"id": "t"})


def flow(task_cache: str):
    return parse_flow("id: f\nnamespace: n\ntasks:\n  - id: t\n"
                      "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
                      "    taskCache: " + task_cache + "\n")


def test_task_cache_property_as_kestra_has_it():
    task = flow("{enabled: true, ttl: PT24H}").flow.tasks[0]
    assert (task.task_cache.enabled, task.task_cache.ttl) == (True, "PT24H")
    with pytest.raises(FlowValidationError, match="enabled"):
        flow("{ttl: PT1H}")  # enabled is required (@NotNull in Kestra's Cache)
    with pytest.raises(FlowValidationError, match="ttl"):
        flow("{enabled: true, ttl: soon}")
