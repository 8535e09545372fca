"""A flow's duplicate ids are reported together with its other problems, each at its own
path and line, not one round of fixes later (common/flow/duplicate_ids.py)."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow


def _problems(source: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(source, name="flow.yaml")
    assert "Traceback" not in str(caught.value)
    return [(p.path, p.line, p.message) for p in caught.value.problems]


def test_a_duplicate_task_id_comes_with_the_schema_errors():
    problems = _problems("""\
id: nightly-report
namespace: company.analytics
tasks:
  - id: extract
    type: io.kestra.plugin.core.http.Request
    uri: https://example.com/data.csv
  - id: transform
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: extract
        type: io.kestra.plugin.core.log.Log
        message: "{{ outputs.extract.body }}"
      - id: notify
        type: io.kestra.plugin.core.log.Log
        mesage: done
  - id: publish
    type: io.kestra.plugin.core.log.Log
    message: 42
    level: LOUD
""")
    paths = [path for path, _, _ in problems]
    assert paths == ["tasks[1].tasks[0].id", "tasks[1].tasks[1].message",
                     "tasks[1].tasks[1].mesage", "tasks[2].level"]
    assert problems[0][1:] == (10, "duplicate task id 'extract' (already used at tasks[0])")
    assert problems[2][1] == 15 and "unknown property 'mesage'" in problems[2][2]
    assert problems[3][1] == 19 and "got 'LOUD'" in problems[3][2]


def test_duplicates_in_branches_and_an_unknown_type_are_all_reported():
    problems = _problems("""\
id: branches
namespace: company.team
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.go }}"
    then:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: yes
    else:
      - id: say
        type: io.kestra.plugin.core.log.Lgo
        message: no
errors:
  - id: check
    type: io.kestra.plugin.core.log.Log
    message: failed
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "30 * * * *"
""")
    assert [(path, line) for path, line, _ in problems] == [
        ("tasks[0].else[0].id", 12), ("tasks[0].else[0].type", 13), ("errors[0].id", 16),
        ("triggers[1].id", 23)]
    assert problems[0][2] == "duplicate task id 'say' (already used at tasks[0].then[0])"
    assert "unknown task type 'io.kestra.plugin.core.log.Lgo'" in problems[1][2]
    assert problems[2][2] == "duplicate task id 'check' (already used at tasks[0])"
    assert problems[3][2] == "duplicate trigger id 'hourly' (already used at triggers[0])"


def test_a_duplicate_among_tasks_of_an_unknown_type_is_still_found():
    problems = _problems("""\
id: warehouse
namespace: company.team
tasks:
  - id: load
    type: io.kestra.plugin.jdbc.snowflake.Query
    sql: select 1
  - id: load
    type: io.kestra.plugin.jdbc.snowflake.Query
    sql: select 2
""")
    assert [path for path, _, _ in problems] == ["tasks[0].type", "tasks[1].id", "tasks[1].type"]
    assert problems[1][2] == "duplicate task id 'load' (already used at tasks[0])"


def test_dag_and_switch_children_are_checked():
    problems = _problems("""\
id: graph
namespace: company.team
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: a
          type: io.kestra.plugin.core.log.Log
          message: a
      - task:
          id: route
          type: io.kestra.plugin.core.flow.Switch
          value: "{{ inputs.kind }}"
          cases:
            x:
              - id: a
                type: io.kestra.plugin.core.log.Log
                message: x
        dependsOn: [a]
""")
    assert problems == [("tasks[0].tasks[1].task.cases.x[0].id", 17,
                         "duplicate task id 'a' (already used at tasks[0].tasks[0].task)")]


def test_input_declarations_are_not_taken_for_tasks():
    flow = parse_flow("""\
id: with-inputs
namespace: company.team
inputs:
  - id: region
    type: STRING
tasks:
  - id: region
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.region }}"
""").flow
    assert [task.id for task in flow.all_tasks()] == ["region"]


def test_listener_tasks_share_the_flow_task_ids():
    problems = _problems("""\
id: with-listener
namespace: company.team
tasks:
  - id: work
    type: io.kestra.plugin.core.log.Log
    message: working
listeners:
  - tasks:
      - id: work
        type: io.kestra.plugin.core.log.Log
        message: done
""")
    assert problems == [("listeners[0].tasks[0].id", 9,
                         "duplicate task id 'work' (already used at tasks[0])")]
