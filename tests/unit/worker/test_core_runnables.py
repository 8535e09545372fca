"""Log, Echo, Return, OutputValues, Fail, Labels and Sleep through run_attempt."""

from __future__ import annotations

import threading
import time

import pytest

from podium.common.models.state import State
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

LOG = "io.kestra.plugin.core.log.Log"
RETURN = "io.kestra.plugin.core.debug.Return"
ECHO = "io.kestra.plugin.core.debug.Echo"
OUTPUT_VALUES = "io.kestra.plugin.core.output.OutputValues"
FAIL = "io.kestra.plugin.core.execution.Fail"
LABELS = "io.kestra.plugin.core.execution.Labels"
SLEEP = "io.kestra.plugin.core.flow.Sleep"


# ---------------------------------------------------------------- Log / Echo
@pytest.mark.parametrize("level", ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"])
def test_log_renders_the_message_at_its_level(level):
    ctx, logs = make_ctx(inputs={"name": "World"})
    outcome = run_attempt(make_task(LOG, message="Hello {{ inputs.name }}", level=level), ctx)
    assert outcome.state is State.SUCCESS and outcome.outputs is None
    assert logs.pairs() == [(level, "Hello World")]


def test_log_default_level_is_info_and_a_list_logs_each_message_in_order():
    ctx, logs = make_ctx(inputs={"name": "World"})
    task = make_task(LOG, message=["one {{ inputs.name }}", "two", "{{ flow.id }}"])
    assert run_attempt(task, ctx).state is State.SUCCESS
    assert logs.pairs() == [("INFO", "one World"), ("INFO", "two"), ("INFO", "flow")]


def test_task_log_level_filters_lower_levels():
    ctx, logs = make_ctx()
    task = make_task(LOG, message="quiet", level="DEBUG", logLevel="INFO")
    assert run_attempt(task, ctx).state is State.SUCCESS
    assert logs.pairs() == []


def test_log_masks_secrets():
    ctx, logs = make_ctx()
    run_attempt(make_task(LOG, message="key={{ secret('API_KEY') }}"), ctx)
    assert logs.pairs() == [("INFO", "key=**masked****")]


def test_log_with_an_undefined_variable_fails_with_the_template_error():
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(LOG, message="{{ inputs.missing }}"), ctx)
    assert outcome.state is State.FAILED
    assert "inputs" in outcome.error and "Task failed" not in outcome.error
    assert logs.pairs() == [("ERROR", outcome.error)]


def test_echo_logs_the_rendered_format():
    ctx, logs = make_ctx(inputs={"name": "World"})
    assert run_attempt(make_task(ECHO, format="hi {{ inputs.name }}", level="WARN"), ctx).state is State.SUCCESS
    assert logs.pairs() == [("WARN", "hi World")]


# ---------------------------------------------------------------- Return
def test_return_outputs_the_rendered_value_and_logs_it_at_debug():
    ctx, logs = make_ctx(inputs={"n": 3})
    outcome = run_attempt(make_task(RETURN, format="{{ inputs.n * 2 }}!"), ctx)
    assert outcome.state is State.SUCCESS
    assert outcome.outputs == {"value": "6!"}
    assert logs.pairs() == [("DEBUG", "6!")]
    assert {m["name"] for m in outcome.metrics} == {"length", "duration"}


def test_return_without_format_outputs_null():
    ctx, _ = make_ctx()
    assert run_attempt(make_task(RETURN), ctx).outputs == {"value": None}


def test_return_keeps_a_secret_in_its_outputs_and_out_of_its_logs():
    # SecretFunctionTest#getSecret: the Return task's output is the secret itself
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(RETURN, format="{{ secret('API_KEY') }}"), ctx)
    assert outcome.outputs == {"value": "s3cr3t-value"}
    assert "s3cr3t" not in repr(logs.entries)


# ---------------------------------------------------------------- OutputValues
def test_output_values_renders_nested_values():
    ctx, _ = make_ctx(inputs={"name": "World", "n": 3})
    values = {
        "greeting": "Hello {{ inputs.name }}",
        "number": 42, "flag": True, "nothing": None,
        "nested": {"list": ["{{ inputs.n }}", 1, {"{{ inputs.name }}": "{{ flow.namespace }}"}]},
    }
    outcome = run_attempt(make_task(OUTPUT_VALUES, values=values), ctx)
    assert outcome.state is State.SUCCESS
    assert outcome.outputs == {"values": {
        "greeting": "Hello World", "number": 42, "flag": True, "nothing": None,
        "nested": {"list": ["3", 1, {"World": "company.team"}]},
    }}


def test_output_values_without_values_is_an_empty_map():
    ctx, _ = make_ctx()
    assert run_attempt(make_task(OUTPUT_VALUES), ctx).outputs == {"values": {}}


# ---------------------------------------------------------------- Fail
def test_fail_without_condition_fails_with_the_rendered_message():
    ctx, logs = make_ctx(inputs={"name": "World"})
    outcome = run_attempt(make_task(FAIL, errorMessage="bad {{ inputs.name }}"), ctx)
    assert (outcome.state, outcome.error) == (State.FAILED, "bad World")
    assert logs.pairs() == [("ERROR", "bad World")]


def test_fail_default_message():
    ctx, _ = make_ctx()
    assert run_attempt(make_task(FAIL), ctx).error == "Task failure"


@pytest.mark.parametrize("condition, fails", [
    ("{{ inputs.n > 2 }}", True), ("{{ inputs.n > 5 }}", False), ("0", False), ("-0", False),
    ("", False), ("False", True), ("yes", True), ("{{ inputs.n }}", True),
])
def test_fail_with_condition_fails_only_when_truthy(condition, fails):
    ctx, logs = make_ctx(inputs={"n": 3})
    outcome = run_attempt(make_task(FAIL, condition=condition, errorMessage="n is {{ inputs.n }}"), ctx)
    if fails:
        # Kestra: the errorMessage is logged at ERROR; the error is "Fail on a condition".
        assert (outcome.state, outcome.error) == (State.FAILED, "Fail on a condition")
        assert ("ERROR", "n is 3") in logs.pairs()
    else:
        assert outcome.state is State.SUCCESS and logs.pairs() == []


# ---------------------------------------------------------------- Labels
def test_labels_map_form_renders_keys_and_values():
    ctx, _ = make_ctx(inputs={"name": "World"})
    outcome = run_attempt(make_task(LABELS, labels={"who": "{{ inputs.name }}", "{{ flow.id }}": 5}), ctx)
    assert outcome.state is State.SUCCESS
    assert outcome.labels == [{"key": "who", "value": "World"}, {"key": "flow", "value": "5"}]


def test_labels_list_form():
    ctx, _ = make_ctx(inputs={"name": "World"})
    task = make_task(LABELS, labels=[{"key": "k-{{ inputs.name }}", "value": "{{ inputs.name }}"},
                                     {"key": "b", "value": True}])
    assert run_attempt(task, ctx).labels == [{"key": "k-World", "value": "World"},
                                             {"key": "b", "value": "true"}]


def test_labels_json_string_form():
    ctx, _ = make_ctx(inputs={"json": '{"team": "data", "count": 2, "ok": false}'})
    outcome = run_attempt(make_task(LABELS, labels="{{ inputs.json }}"), ctx)
    assert outcome.labels == [{"key": "team", "value": "data"}, {"key": "count", "value": "2"},
                              {"key": "ok", "value": "false"}]


@pytest.mark.parametrize("json_text, fragment", [
    ("not json", "JSON map"), ("[1, 2]", "JSON map"), ('{"a": {"b": 1}}', "string value"),
])
def test_labels_bad_json_string_fails(json_text, fragment):
    ctx, _ = make_ctx(inputs={"json": json_text})
    outcome = run_attempt(make_task(LABELS, labels="{{ inputs.json }}"), ctx)
    assert outcome.state is State.FAILED and fragment in outcome.error


@pytest.mark.parametrize("labels", [
    {"{{ inputs.k }}": "x"},
    [{"key": "{{ inputs.k }}", "value": "x"}],
    '{{ \'{"system.correlationId": "x"}\' }}',
])
def test_labels_refuse_system_keys_after_rendering(labels):
    ctx, _ = make_ctx(inputs={"k": "system.correlationId"})
    outcome = run_attempt(make_task(LABELS, labels=labels), ctx)
    assert outcome.state is State.FAILED
    assert outcome.error == ("System labels can only be set by the engine itself, "
                             "offending label: system.correlationId=x")
    assert outcome.labels is None


def test_labels_duplicate_keys_in_list_fail():
    ctx, _ = make_ctx(inputs={"k": "a"})
    task = make_task(LABELS, labels=[{"key": "a", "value": "1"}, {"key": "{{ inputs.k }}", "value": "2"}])
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.FAILED and "Duplicate label key 'a'" in outcome.error


# ---------------------------------------------------------------- Sleep
def test_sleep_waits_and_logs():
    ctx, logs = make_ctx()
    start = time.monotonic()
    outcome = run_attempt(make_task(SLEEP, duration="PT0.3S"), ctx)
    assert outcome.state is State.SUCCESS
    assert time.monotonic() - start >= 0.3
    assert logs.pairs() == [("INFO", "Waiting for PT0.3S")]


def test_flow_wait_waits_like_sleep():
    ctx, logs = make_ctx()
    start = time.monotonic()
    outcome = run_attempt(make_task("io.kestra.plugin.core.flow.Wait", duration="PT0.2S"), ctx)
    assert outcome.state is State.SUCCESS and time.monotonic() - start >= 0.2
    assert logs.pairs() == [("INFO", "Waiting for PT0.2S")]


def test_sleep_duration_may_be_an_expression():
    ctx, _ = make_ctx(inputs={"d": "PT0.1S"})
    assert run_attempt(make_task(SLEEP, duration="{{ inputs.d }}"), ctx).state is State.SUCCESS


def test_sleep_with_an_invalid_rendered_duration_fails():
    ctx, _ = make_ctx(inputs={"d": "soon"})
    outcome = run_attempt(make_task(SLEEP, duration="{{ inputs.d }}"), ctx)
    assert outcome.state is State.FAILED and "not an ISO-8601 duration" in outcome.error


def test_kill_during_sleep_returns_killed_quickly():
    ctx, logs = make_ctx()
    threading.Timer(0.2, ctx.killed.set).start()
    start = time.monotonic()
    outcome = run_attempt(make_task(SLEEP, duration="PT30S"), ctx)
    assert outcome.state is State.KILLED and outcome.error is None
    assert time.monotonic() - start < 1.5
    assert all(level != "ERROR" for level, _ in logs.pairs())


def test_sleep_past_its_timeout_fails():
    ctx, _ = make_ctx()
    start = time.monotonic()
    outcome = run_attempt(make_task(SLEEP, duration="PT30S", timeout="PT0.3S"), ctx)
    assert (outcome.state, outcome.error) == (State.FAILED, "Timeout after PT0.3S")
    assert time.monotonic() - start < 1.5
