"""Runnable core types of Kestra's current release on a worker: execution.Assert and
storage.Write (Kestra's AssertTest and the Write example)."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

ASSERT = "io.kestra.plugin.core.execution.Assert"
WRITE = "io.kestra.plugin.core.storage.Write"


def metric(outcome, name: str) -> int:
    return next(m["value"] for m in outcome.metrics if m["name"] == name)


# ---------------------------------------------------------------- Assert
def test_assert_succeeds_when_every_condition_holds_and_counts_them():
    ctx, logs = make_ctx(inputs={"key": "value"})
    task = make_task(ASSERT, conditions=["{{ inputs.key == 'value' }}", "{{ 42 == 42 }}"])
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.SUCCESS and outcome.outputs is None
    assert (metric(outcome, "success"), metric(outcome, "failed")) == (2, 0)
    assert logs.messages("ERROR") == []


def test_assert_tries_every_condition_logs_each_failure_and_fails_with_the_count():
    ctx, logs = make_ctx(inputs={"key": "value"})
    task = make_task(ASSERT, conditions=[
        "{{ 42 == 42 }}", "{{ inputs.key == 'value1' }}", "{{ 42 == 42 }}",
        "{{ inputs.key == 'value2' }}", "{{ 42 == 42 }}"])
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.FAILED
    assert outcome.error == "2 assertions failed!"
    assert (metric(outcome, "success"), metric(outcome, "failed")) == (3, 2)
    assert logs.messages("ERROR")[:2] == ["Assertion `{{ inputs.key == 'value1' }}` failed!",
                                          "Assertion `{{ inputs.key == 'value2' }}` failed!"]


@pytest.mark.parametrize("condition", ["{{ null }}", "0", "-0", "", "false"])
def test_assert_reads_falsy_values_as_kestra_does(condition):
    outcome = run_attempt(make_task(ASSERT, conditions=[condition]), make_ctx()[0])
    assert outcome.state is State.FAILED and outcome.error == "1 assertion failed!"


def test_assert_counts_a_render_error_as_a_failure_and_appends_the_error_message():
    ctx, logs = make_ctx(inputs={"n": 3})
    task = make_task(ASSERT, conditions=["{{ missing.value }}", True],
                     errorMessage="n was {{ inputs.n }}")
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.FAILED
    assert outcome.error == "1 assertion failed!\nn was 3"
    [first, *_] = logs.messages("ERROR")
    assert first.startswith("Assertion `{{ missing.value }}` failed, failed to render `")


def test_assert_requires_conditions():
    with pytest.raises(Exception, match="conditions"):
        make_task(ASSERT)


# ---------------------------------------------------------------- Write
@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        yield storage


def write(storage, **props):
    ctx, _ = make_ctx(storage=storage, inputs={"name": "World"})
    return run_attempt(make_task(WRITE, **props), ctx)


def test_write_stores_the_rendered_content_with_its_extension(storage):
    outcome = write(storage, content="Hello {{ inputs.name }} é", extension=".txt")
    assert outcome.state is State.SUCCESS, outcome.error
    uri = outcome.outputs["uri"]
    assert uri.startswith("kestra:///company/team/flow/executions/exec1/tasks/t1/tr1/")
    assert uri.endswith("/write.txt")
    assert storage.read_bytes(uri) == "Hello World é".encode()


def test_write_without_extension_is_a_tmp_file_and_a_bare_extension_gets_its_dot(storage):
    assert write(storage, content="x").outputs["uri"].endswith("/write.tmp")
    assert write(storage, content="x", extension="csv").outputs["uri"].endswith("/write.csv")
    empty = write(storage, content="")
    assert storage.read_bytes(empty.outputs["uri"]) == b""


def test_write_refuses_an_extension_that_leaves_the_task_folder(storage):
    outcome = write(storage, content="x", extension="/../../escape")
    assert outcome.state is State.FAILED
    assert not list(storage.list("kestra:///company/team/flow/executions/exec1"))


def test_write_requires_content():
    with pytest.raises(Exception, match="content"):
        make_task(WRITE, extension=".txt")
