"""Task fixtures swapped into a flow before a test case deploys it (flowtest/fixtures.py):
nested tasks are found, a flowable task is replaced whole, how the flow treats the task's
end (allowFailure, runIf) is kept, and what the task would run is not."""

from __future__ import annotations

import textwrap

import pytest

from podium.common.errors import FlowTestFileError
from podium.common.flow.loader import parse_flow
from podium.common.plugins.tasks.testing import FixtureTask
from podium.flowtest.fixtures import FIXTURE_TYPE, with_fixtures
from podium.flowtest.spec import TaskFixture

FLOW = textwrap.dedent("""
    id: nested
    namespace: company.team
    tasks:
      - id: branch
        type: io.kestra.plugin.core.flow.If
        condition: "{{ true }}"
        then:
          - id: call
            type: io.kestra.plugin.core.http.Request
            uri: https://example.com
            allowFailure: true
            runIf: "{{ true }}"
            retry: {type: constant, interval: PT1S, maxAttempts: 3}
      - id: both
        type: io.kestra.plugin.core.flow.Parallel
        tasks:
          - id: left
            type: io.kestra.plugin.core.log.Log
            message: left
    errors:
      - id: alert
        type: io.kestra.plugin.core.log.Log
        message: failed
""")


def test_nested_and_flowable_tasks_are_replaced_and_the_rest_kept():
    loaded = parse_flow(FLOW)
    fixtured = with_fixtures(loaded, [
        TaskFixture(id="call", outputs={"code": 200}),
        TaskFixture(id="both", state="WARNING"),
        TaskFixture(id="alert", files={"a.txt": "x"}),
    ], "case")
    tasks = fixtured.flow.task_index()
    call = tasks["call"]
    assert isinstance(call, FixtureTask)
    assert (call.outputs, call.state, call.allow_failure, call.run_if) == (
        {"code": 200}, "SUCCESS", True, "{{ true }}")
    assert call.retry is None  # the fixture ends once, as given
    assert isinstance(tasks["both"], FixtureTask) and tasks["both"].state == "WARNING"
    assert "left" not in tasks  # a flowable replaced whole: its children are gone
    assert isinstance(tasks["alert"], FixtureTask) and tasks["alert"].files == {"a.txt": "x"}
    assert tasks["branch"].type == "io.kestra.plugin.core.flow.If"
    assert FIXTURE_TYPE in fixtured.source and "example.com" not in fixtured.source
    assert not isinstance(loaded.flow.task_index()["call"], FixtureTask)  # original intact


def test_no_fixture_leaves_the_flow_as_loaded():
    loaded = parse_flow(FLOW)
    assert with_fixtures(loaded, [], "case") is loaded


def test_a_fixture_for_no_task_names_the_case_and_the_closest_task():
    with pytest.raises(FlowTestFileError) as caught:
        with_fixtures(parse_flow(FLOW), [TaskFixture(id="cal")], "t.yaml:5:3: case 'x'")
    assert str(caught.value) == ("t.yaml:5:3: case 'x': fixture for task 'cal': flow "
                                 "company.team.nested has no such task (did you mean 'call'?)")



def test_the_fixture_type_is_a_core_type_run_by_the_worker():
    from podium.common.plugins.registry import registry
    from podium.worker.runnables import implementation_for

    assert registry.resolve("task", FIXTURE_TYPE) is FixtureTask
    task = FixtureTask(id="t", type=FIXTURE_TYPE, outputs={"a": 1})
    assert implementation_for(task).__name__ == "run_fixture"
