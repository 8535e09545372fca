"""Hostile templates: the render budget holds (issue 14, "Runaway work").

Each template is rendered by a task of a flow run, through the embedded runtime and through
the REST API: the task FAILS at once with an error naming the budget it broke, never a
Python internal, and the worker stays free for other tasks meanwhile. (There is no render
endpoint in the API: a flow run is how a template reaches the engine.)
"""

from __future__ import annotations

import textwrap
import time

import pytest

from podium.common.flow.loader import parse_flow

NS = "company.hostile"
# Generous: the budget's own clock is 30 s; every case here must end far sooner.
BOUNDED_SECONDS = 5.0
SQUARE = ("{% macro sq(n, d) %}{% if d > 0 %}{{ sq(n*n, d-1) }}{% else %}{{ n }}{% endif %}"
          "{% endmacro %}{{ sq(7, 40) }}")
# Seven list literals, each holding the previous one ten times: 10**7 copies of [1, 2].
SHARED_NESTING = "{% set l0 = [1, 2] %}" + "".join(
    f"{{% set l{n} = [{', '.join([f'l{n - 1}'] * 10)}] %}}" for n in range(1, 8)) + "{{ l7 }}"

HOSTILE = [
    pytest.param(SQUARE, "integers are limited to 4300 digits", id="macro-squaring-an-integer"),
    pytest.param("{% macro sq(n, d) %}{% if d > 0 %}{{ sq(n*n - 1, d-1) }}{% else %}"
                 "{{ n > 0 }}{% endif %}{% endmacro %}{{ sq(12345, 64) }}",
                 "integers are limited to 4300 digits", id="squared-integer-never-printed"),
    pytest.param("{% macro f(d) %}{% if d > 0 %}{{ f(d-1) }}{{ f(d-1) }}{% endif %}"
                 "{% endmacro %}{{ f(40) }}",
                 "limit of 20000 macro calls", id="macro-fan-out-without-loops"),
    pytest.param("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}",
                 "nested deeper than the limit of 64 macro calls", id="endless-macro-recursion"),
    pytest.param("{% macro dbl(s, d) %}{% if d > 0 %}{{ dbl(s ~ s, d-1) }}{% else %}"
                 "{{ s | length }}{% endif %}{% endmacro %}{{ dbl('aaaaaaaaaa', 40) }}",
                 "The result of `~` is too large", id="text-doubling-by-concatenation"),
    pytest.param("{% macro dbl(s, d) %}{% if d > 0 %}{{ dbl(s + s, d-1) }}{% else %}"
                 "{{ s | length }}{% endif %}{% endmacro %}{{ dbl([1, 2, 3, 4], 40) }}",
                 "The result of `+` is too large", id="list-doubling-by-addition"),
    pytest.param('{{ "a" * 1000000000 }}', "The result of `*` is too large: 1000000000 characters",
                 id="text-repetition"),
    pytest.param("{{ ([1] * 1000) * 1000000 }}", "The result of `*` is too large: 1000000000 items",
                 id="list-multiplication"),
    pytest.param("{{ range(0, 1000000000) }}", "The range function would produce 1000000001 items",
                 id="range-function"),
    pytest.param("{{ 0..100000000 }}", "A range may hold at most 100000 items",
                 id="range-operator"),
    pytest.param("{% for i in range(0, 100000000) %}{% endfor %}",
                 "The range function would produce 100000001 items", id="loop-over-a-huge-range"),
    pytest.param("{% for i in range(1, 99999) %}{% for j in range(1, 99999) %}{% endfor %}"
                 "{% endfor %}", "limit of 1000000 loop iterations", id="nested-loops"),
    pytest.param('{% for i in range(1, 99999) %}{{ "x" * 500 }}{% endfor %}',
                 "Rendered output exceeds 10485760 characters", id="output-size"),
    pytest.param('{{ [("x" * 10000000)] * 1000000 }}', "A value printed as JSON is too large",
                 id="printing-one-text-repeated"),
    pytest.param('{{ ([("x" * 10000000)] * 1000000) | toJson }}', "JSON result is too large",
                 id="toJson-of-one-text-repeated"),
    pytest.param('{{ "a" ~ ([("x" * 10000000)] * 1000000) }}',
                 "A value printed as text is too large", id="concatenating-a-shared-list"),
    pytest.param('{{ range(1, 100000) | join("x" * 100000) }}', "The 'join' result is too large",
                 id="join-with-a-long-glue"),
    pytest.param(SHARED_NESTING,
                 "A value printed as JSON is too large", id="nested-literals-sharing-a-list"),
    pytest.param('{% include "self" %}', "Tag `include` is not supported", id="include-itself"),
]


def flow_source(template: str, flow_id: str = "render") -> str:
    body = textwrap.indent(template, " " * 6)
    return f"""id: {flow_id}
namespace: {NS}
tasks:
  - id: hostile
    type: io.kestra.plugin.core.debug.Return
    format: |-
{body}
"""


def assert_clear(message: str) -> None:
    """A user's error: no traceback, Python repr or internal path."""
    for leak in ("Traceback", "object at 0x", "File \"", "/site-packages/", "use value()"):
        assert leak not in message, message


@pytest.mark.parametrize(("template", "reason"), HOSTILE)
def test_hostile_template_fails_the_task_within_budget(runtime, template, reason):
    runtime.deploy(parse_flow(flow_source(template)))
    began = time.monotonic()
    execution = runtime.wait(runtime.submit(NS, "render").id, 60)
    assert time.monotonic() - began < BOUNDED_SECONDS
    assert execution.state.value == "FAILED"
    [run] = runtime.task_runs(execution.id)
    assert run.state.value == "FAILED"
    errors = [log.message for log in runtime.logs(execution.id) if log.level == "ERROR"]
    assert len(errors) == 1 and reason in errors[0], errors
    assert_clear(errors[0])


@pytest.mark.parametrize(("template", "reason"), HOSTILE[:6] + HOSTILE[-2:])
def test_hostile_template_through_the_api(api, template, reason):
    created = api.post("/api/v1/flows", content=flow_source(template),
                       headers={"Content-Type": "application/x-yaml"})
    assert created.status_code == 200, created.text
    began = time.monotonic()
    response = api.post(f"/api/v1/executions/{NS}/render", params={"wait": "true"})
    assert time.monotonic() - began < BOUNDED_SECONDS
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"]["current"] == "FAILED"
    logs = api.get(f"/api/v1/logs/{body['id']}", params={"minLevel": "ERROR"}).json()
    assert [entry["taskId"] for entry in logs] == ["hostile"]
    assert reason in logs[0]["message"]
    assert_clear(logs[0]["message"])


def test_executor_side_render_is_bounded_too(runtime):
    """An If condition is rendered by the executor, not a worker: same budget."""
    source = f"""id: branch
namespace: {NS}
tasks:
  - id: decide
    type: io.kestra.plugin.core.flow.If
    condition: '{SQUARE}'
    then:
      - id: never
        type: io.kestra.plugin.core.log.Log
        message: unreachable
"""
    runtime.deploy(parse_flow(source))
    began = time.monotonic()
    execution = runtime.wait(runtime.submit(NS, "branch").id, 60)
    assert time.monotonic() - began < BOUNDED_SECONDS
    assert execution.state.value == "FAILED"
    runs = {run.task_id: run.state.value for run in runtime.task_runs(execution.id)}
    assert runs == {"decide": "FAILED"}
    errors = [log.message for log in runtime.logs(execution.id) if log.level == "ERROR"]
    assert any("integers are limited to 4300 digits" in message for message in errors), errors


def test_worker_stays_responsive_while_a_task_renders_a_hostile_template(runtime):
    """Two tasks on one worker at once: the hostile one burns its budget (half a million
    loop steps, then the squaring macro); the other ends first, while it still renders."""
    hostile = ("{% for i in range(1, 500) %}{% for j in range(1, 1000) %}{% endfor %}"
               "{% endfor %}" + SQUARE)
    source = f"""id: side_by_side
namespace: {NS}
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: hostile
        type: io.kestra.plugin.core.debug.Return
        format: '{hostile}'
      - id: quick
        type: io.kestra.plugin.core.log.Log
        message: still here
"""
    runtime.deploy(parse_flow(source))
    execution = runtime.wait(runtime.submit(NS, "side_by_side").id, 60)
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    assert runs["quick"].state.value == "SUCCESS"
    assert runs["hostile"].state.value == "FAILED"
    quick, slow = runs["quick"].attempts[-1], runs["hostile"].attempts[-1]
    assert quick.started < slow.ended and quick.ended < slow.ended  # ran side by side
    assert (slow.ended - slow.started).total_seconds() < BOUNDED_SECONDS
    logs = runtime.logs(execution.id)
    assert [log.message for log in logs if log.task_id == "quick"] == ["still here"]
    error = next(log.message for log in logs if log.task_id == "hostile" and log.level == "ERROR")
    assert "integers are limited to 4300 digits" in error
