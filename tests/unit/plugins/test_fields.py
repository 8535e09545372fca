"""Shared field types (common.plugins.fields) and the StrictModel settings every plugin uses."""

from __future__ import annotations

import ast
import pathlib
from typing import Any, Optional

import pytest
from pydantic import TypeAdapter, ValidationError

import podium.common.plugins  # noqa: F401  (registers every type)
from podium.common.plugins import AnyTask, AnyTrigger, base, fields
from podium.common.plugins.fields import Duration, Dyn, Labels, ScalarStr, StrictModel

TASK = TypeAdapter(AnyTask)
TRIGGER = TypeAdapter(AnyTrigger)
LOG = "io.kestra.plugin.core.log.Log"


class _Props(StrictModel):
    number: Dyn[int] = 0
    text: Optional[str] = None
    texts: Optional[str | list[str]] = None
    scalar: Optional[ScalarStr] = None
    duration: Optional[Duration] = None
    labels: Optional[Labels] = None


def test_base_reexports_the_shared_fields() -> None:
    for name in ("Expr", "Dyn", "DurationStr", "is_expression", "TASK_ID_PATTERN", "StrictModel"):
        assert getattr(base, name) is getattr(fields, name)


def test_numbers_keep_their_type_in_number_unions() -> None:
    value = _Props(number=5).number
    assert value == 5 and type(value) is int
    assert _Props(number="{{ inputs.n }}").number == "{{ inputs.n }}"
    with pytest.raises(ValidationError):
        _Props(number="five")


def test_numbers_given_to_string_properties_become_text() -> None:
    assert _Props.model_validate({"text": 2024}).text == "2024"
    assert _Props.model_validate({"text": 1.5}).text == "1.5"
    assert _Props.model_validate({"texts": 2024}).texts == "2024"
    assert _Props.model_validate({"texts": ["a", 1]}).texts == ["a", "1"]
    with pytest.raises(ValidationError):  # booleans only through ScalarStr
        _Props.model_validate({"text": True})
    assert _Props.model_validate({"scalar": True}).scalar == "true"


def test_a_task_string_property_takes_a_yaml_number() -> None:
    task = TASK.validate_python({"id": "t", "type": "io.kestra.plugin.core.kv.Get", "key": 2024})
    assert task.key == "2024"


def test_http_header_values_and_kv_values_are_text() -> None:
    request = TASK.validate_python({"id": "t", "type": "io.kestra.plugin.core.http.Request",
                                    "uri": "u", "headers": {"X-N": 3, "X-B": True, "A": "b"}})
    assert request.headers == {"X-N": "3", "X-B": "true", "A": "b"}
    for given, stored in ((42, "42"), (True, "true"), ("v", "v")):
        kv = TASK.validate_python({"id": "t", "type": "io.kestra.plugin.core.kv.Set",
                                   "key": "k", "value": given})
        assert kv.value == stored


@pytest.mark.parametrize("props", [
    {"type": "io.kestra.plugin.core.storage.Concat", "files": 3},
    {"type": "io.kestra.plugin.core.flow.Loop", "values": 3, "tasks": [{"id": "l", "type": LOG,
                                                                          "message": "m"}]},
])
def test_object_properties_do_not_read_numbers_as_text(props: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TASK.validate_python({"id": "t", **props})


def test_literal_duration_is_shared_by_http_and_kv() -> None:
    assert _Props(duration="PT5M").duration == "PT5M"
    with pytest.raises(ValidationError, match="ISO-8601"):
        _Props(duration="{{ inputs.d }}")
    with pytest.raises(ValidationError, match="ISO-8601"):
        TASK.validate_python({"id": "t", "type": "io.kestra.plugin.core.kv.Set", "key": "k",
                              "value": "v", "ttl": "1 day"})
    with pytest.raises(ValidationError, match="readTimeout"):
        TASK.validate_python({"id": "t", "type": "io.kestra.plugin.core.http.Request", "uri": "u",
                              "options": {"readTimeout": "10s"}})


def test_labels_map_or_list_without_system_keys() -> None:
    assert _Props(labels={"env": "prod", "n": 1}).labels == {"env": "prod", "n": 1}
    entries = _Props(labels=[{"key": "env", "value": "prod"}]).labels
    assert [(e.key, e.value) for e in entries] == [("env", "prod")]
    with pytest.raises(ValidationError, match="reserved"):
        _Props(labels={"system.correlationId": "x"})
    with pytest.raises(ValidationError, match="reserved"):
        _Props(labels=[{"key": "system.readOnly", "value": "true"}])


def test_trigger_labels_use_the_shared_type() -> None:
    def schedule(labels: Any):
        return TRIGGER.validate_python({"id": "s", "type": "io.kestra.plugin.core.trigger.Schedule",
                                        "cron": "0 * * * *", "labels": labels})
    assert schedule({"team": "data", "year": 2024}).labels == {"team": "data", "year": 2024}
    assert schedule([{"key": "team", "value": "data"}]).labels[0].key == "team"
    with pytest.raises(ValidationError, match="reserved"):
        schedule({"system.username": "me"})
    with pytest.raises(ValidationError):
        schedule([{"key": "team"}])  # no value


@pytest.mark.parametrize("type_, props", [
    ("io.kestra.plugin.core.flow.Sequential", {}),
    ("io.kestra.plugin.core.flow.Parallel", {}),
    ("io.kestra.plugin.core.flow.LoopUntil", {"condition": "{{ true }}"}),
    ("io.kestra.plugin.core.flow.Loop", {"values": [1, 2]}),
])
def test_flowable_tasks_take_finally_and_list_it_last(type_: str, props: dict) -> None:
    log = {"type": LOG, "message": "m"}
    task = TASK.validate_python({"id": "f", "type": type_, **props,
                                 "tasks": [{"id": "a", **log}],
                                 "errors": [{"id": "e", **log}],
                                 "finally": [{"id": "z", **log}]})
    assert [t.id for t in task.finally_] == ["z"]
    assert [t.id for t in task.child_tasks()] == ["a", "e", "z"]


def test_task_modules_do_not_import_each_other() -> None:
    """Only the shared property modules (`_files`, `_purge`, `_script_base`: no task type)
    are imported."""
    tasks_dir = pathlib.Path(fields.__file__).parent / "tasks"
    shared = {"podium.common.plugins.tasks._files", "podium.common.plugins.tasks._purge",
              "podium.common.plugins.tasks._script_base"}
    for path in tasks_dir.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "podium.common.plugins.tasks."):
                assert node.module in shared, (path.name, node.module)
    for name in shared:
        assert "TYPE:" not in (tasks_dir / (name.rsplit(".", 1)[1] + ".py")).read_text()
