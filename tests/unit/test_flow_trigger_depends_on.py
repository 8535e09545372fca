"""Kestra 2.0's Flow trigger (`dependsOn`, `mode`, `when`, `window.fireOnce`, scoped
`trigger.outputs`) end to end on the embedded runtime. A Flow trigger fires in the
transaction that ends the upstream execution, so once `wait` returns the listener's
execution exists or never will for that change."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.store.executions import list_executions
from podium.runtime import Runtime

NS = "company.sources"
UPSTREAM = """
id: {id}
namespace: company.sources
labels:
  env: {env}
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ execution.id }}}}"
outputs:
  - id: row_count
    type: INT
    value: {rows}
"""


def listener(triggers: str, inputs: str = "") -> str:
    return f"""
id: listener
namespace: company.team
{inputs}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
{triggers}"""


def fired(rt) -> list:
    with rt.db.read() as conn:
        return list_executions(conn, "company.team", "listener", limit=50)


def run(rt, flow_id: str):
    done = rt.wait(rt.submit(NS, flow_id).id, 20)
    assert done.state.value == "SUCCESS"
    return done


def deploy(rt, *sources: str) -> None:
    for source in sources:
        rt.deploy(parse_flow(source))


def upstream(flow_id: str, env: str = "prod", rows: int = 3) -> str:
    return UPSTREAM.format(id=flow_id, env=env, rows=rows)


ALL = """
  - id: after_both
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      a_rows: "{{ trigger.outputs.a.row_count }}"
    dependsOn:
      - flowId: a
        namespace: company.sources
        states: [SUCCESS]
      - flowId: b
        namespace: company.sources
"""


def test_all_entries_must_be_met_then_the_results_reset(tmp_path):
    inputs = "inputs:\n  - id: a_rows\n    type: INT\n"
    with Runtime.embedded(tmp_path) as rt:
        deploy(rt, upstream("a", rows=7), upstream("b", rows=1), listener(ALL, inputs))
        run(rt, "a")
        assert fired(rt) == []
        b = run(rt, "b")
        [one] = fired(rt)
        assert one.trigger["variables"]["executionId"] == b.id
        # trigger.outputs scoped by flow id (two entries: no unscoped shorthand)
        assert one.trigger["variables"]["outputs"] == {"a": {"row_count": 7},
                                                       "b": {"row_count": 1}}
        assert one.inputs["a_rows"] == 7
        run(rt, "b")  # results were reset when it fired: b alone is not enough
        assert len(fired(rt)) == 1


ANY = """
  - id: any
    type: io.kestra.plugin.core.trigger.Flow
    mode: ANY
    dependsOn:
      - flowId: a
        namespace: company.sources
      - flowId: b
        namespace: company.sources
"""

AT_LEAST = """
  - id: two_of_three
    type: io.kestra.plugin.core.trigger.Flow
    mode: AT_LEAST
    minSatisfied: 2
    dependsOn:
      - {flowId: a, namespace: company.sources}
      - {flowId: b, namespace: company.sources}
      - {flowId: c, namespace: company.sources}
"""


def test_mode_any_fires_on_each_and_at_least_counts_entries(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        deploy(rt, upstream("a"), upstream("b"), upstream("c"), listener(ANY))
        run(rt, "a")
        run(rt, "b")
        assert len(fired(rt)) == 2
    with Runtime.embedded(tmp_path / "2") as rt:
        deploy(rt, upstream("a"), upstream("b"), upstream("c"), listener(AT_LEAST))
        run(rt, "c")
        assert fired(rt) == []
        run(rt, "a")
        assert len(fired(rt)) == 1


WHEN = """
  - id: guarded
    type: io.kestra.plugin.core.trigger.Flow
    when: "{{ labels.env == 'prod' }}"
    inputs:
      rows: "{{ trigger.outputs.row_count }}"
    dependsOn:
      - flowId: a
        namespace: company.sources
        when: "{{ execution.outputs.row_count > 2 and flow.id == 'a' and state == 'SUCCESS' }}"
"""


def test_trigger_and_entry_when_filter_and_a_single_entry_keeps_unscoped_outputs(tmp_path):
    inputs = "inputs:\n  - id: rows\n    type: INT\n"
    with Runtime.embedded(tmp_path) as rt:
        deploy(rt, upstream("a", env="dev", rows=5), listener(WHEN, inputs))
        run(rt, "a")
        assert fired(rt) == []  # the trigger's `when`: labels.env is dev
        deploy(rt, upstream("a", env="prod", rows=1))
        run(rt, "a")
        assert fired(rt) == []  # the entry's `when`: row_count 1
        deploy(rt, upstream("a", env="prod", rows=5))
        run(rt, "a")
        [one] = fired(rt)
        assert one.inputs["rows"] == 5
        assert one.trigger["variables"]["outputs"] == {"row_count": 5, "a": {"row_count": 5}}


FIRE_ONCE = """
  - id: once
    type: io.kestra.plugin.core.trigger.Flow
    dependsOn:
      - flowId: a
        namespace: company.sources
    window:
      lookback: PT1H
      fireOnce: true
"""


def test_fire_once_fires_once_per_window(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        deploy(rt, upstream("a"), listener(FIRE_ONCE))
        run(rt, "a")
        run(rt, "a")
        assert len(fired(rt)) == 1


BAD_INPUTS = """
  - id: bad
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      rows: "{{ trigger.outputs.a.missing }}"
    dependsOn:
      - flowId: a
        namespace: company.sources
"""


def test_inputs_that_cannot_render_give_a_failed_execution(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        deploy(rt, upstream("a"), listener(BAD_INPUTS, "inputs:\n  - id: rows\n    type: INT\n"))
        a = run(rt, "a")
        [failed] = fired(rt)
        assert failed.state.value == "FAILED"
        assert "Flow trigger 'bad'" in failed.error and "missing" in failed.error
        assert failed.trigger["variables"]["executionId"] == a.id


RETRIED = """
id: flaky
namespace: company.sources
tasks:
  - id: fails_once
    type: io.kestra.plugin.core.execution.Fail
    runIf: "{{ taskrun.attemptsCount == 0 }}"
    retry:
      type: constant
      interval: PT0.1S
      maxAttempt: 2
"""

AFTER_RETRY = """
  - id: after_flaky
    type: io.kestra.plugin.core.trigger.Flow
    dependsOn:
      - flowId: flaky
        namespace: company.sources
        when: "{{ hasRetryAttempt == true }}"
      - flowId: a
        namespace: company.sources
        when: "{{ hasRetryAttempt == true }}"
    mode: ANY
"""


def test_when_sees_whether_the_upstream_execution_retried(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        deploy(rt, RETRIED, upstream("a"), listener(AFTER_RETRY))
        run(rt, "a")
        assert fired(rt) == []  # no retry in a
        done = rt.wait(rt.submit(NS, "flaky").id, 20)
        assert len(fired(rt)) == 1, done.state
