"""Typed task properties given as expressions (common/plugins/dynamic.py): kept at save
when they are expressions (a literal is still checked), rendered and checked by the worker
at run time, a bad rendered value failing the task with a message naming the property."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.plugins import dynamic
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task


def _flow(task: str) -> str:
    return "id: f\nnamespace: n\ntasks:\n" + task


SET_KV = ("  - id: put\n    type: io.kestra.plugin.core.kv.Set\n    key: k\n    value: v\n")


def _render(values):
    def render(template):
        return values[template.strip("{} ")]
    return render


def test_typed_properties_keep_expressions_at_save():
    task = parse_flow(_flow(SET_KV + "    ttl: \"{{ inputs.ttl }}\"\n"
                                     "    overwrite: \"{{ inputs.o }}\"\n"
                                     "    kvType: \"{{ inputs.t }}\"\n")).flow.tasks[0]
    assert (task.ttl, task.overwrite, task.kv_type) == \
        ("{{ inputs.ttl }}", "{{ inputs.o }}", "{{ inputs.t }}")
    log = parse_flow(_flow("  - id: l\n    type: io.kestra.plugin.core.log.Log\n"
                           "    message: hi\n    level: \"{{ vars.level }}\"\n")).flow.tasks[0]
    assert log.level == "{{ vars.level }}"


@pytest.mark.parametrize("line, expected", [
    ("    ttl: abc\n", "not an ISO-8601 duration"),
    ("    overwrite: maybe\n", "overwrite"),
    ("    kvType: TEXT\n", "kvType"),
])
def test_a_literal_is_still_checked_at_save(line, expected):
    with pytest.raises(FlowValidationError, match=expected):
        parse_flow(_flow(SET_KV + line))


def test_common_task_properties_stay_literal():
    with pytest.raises(FlowValidationError, match="allowFailure"):
        parse_flow(_flow(SET_KV + "    allowFailure: \"{{ inputs.x }}\"\n"))


def test_resolve_renders_and_checks_each_property():
    task = make_task("io.kestra.plugin.core.kv.Set", key="k", value="v", ttl="{{ ttl }}",
                     overwrite="{{ o }}")
    resolved = dynamic.resolve(task, _render({"ttl": "PT5M", "o": "false"}))
    assert (resolved.ttl, resolved.overwrite) == ("PT5M", False)
    assert task.ttl == "{{ ttl }}", "the declared task is left as written"
    with pytest.raises(dynamic.PropertyError) as caught:
        dynamic.resolve(task, _render({"ttl": "soon", "o": True}))
    assert str(caught.value).startswith(
        "Invalid value for property `ttl`: '{{ ttl }}' rendered to 'soon': 'soon' is not an "
        "ISO-8601 duration")


def test_string_properties_are_left_to_their_task():
    task = make_task("io.kestra.plugin.core.log.Log", message="{{ never_rendered_here }}")
    assert dynamic.resolve(task, _render({})) is task


def test_nested_property_objects_name_their_path():
    task = make_task("io.kestra.plugin.scripts.python.Script", script="print(1)",
                     docker={"pullPolicy": "{{ policy }}"})
    assert dynamic.resolve(task, _render({"policy": "NEVER"})).docker.pull_policy == "NEVER"
    with pytest.raises(dynamic.PropertyError, match=r"`docker\.pullPolicy`"):
        dynamic.resolve(task, _render({"policy": "SOMETIMES"}))


def test_the_worker_fails_the_attempt_naming_the_property():
    ctx, logs = make_ctx({"level": "LOUD"})
    task = make_task("io.kestra.plugin.core.log.Log", message="hi", level="{{ inputs.level }}")
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.FAILED
    assert outcome.error.startswith("Invalid value for property `level`: "
                                    "'{{ inputs.level }}' rendered to 'LOUD'")
    ctx, logs = make_ctx({"level": "WARN"})
    assert run_attempt(task, ctx).state is State.SUCCESS
    assert logs.messages("WARN") == ["hi"]


def test_the_plugin_version_property_is_read():
    task = parse_flow(_flow(SET_KV + "    version: LATEST\n")).flow.tasks[0]
    assert task.version == "LATEST"
