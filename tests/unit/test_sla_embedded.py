"""Flow SLAs on the embedded runtime: the executor evaluates them, the worker's running
attempt is stopped when a violation fails the execution."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime

BROKEN_ASSERTION = """
id: broken_sla
namespace: company.team
sla:
  - id: broken
    type: EXECUTION_ASSERTION
    behavior: FAIL
    assert: "{{ outputs.never.value == 'x' }}"
    labels:
      sla: could-not-evaluate
tasks:
  - id: long
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
"""


def test_an_assertion_that_cannot_be_evaluated_fails_the_execution(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        rt.deploy(parse_flow(BROKEN_ASSERTION))
        done = rt.wait(rt.submit("company.team", "broken_sla").id, 20)
        [sleep] = rt.task_runs(done.id)
        warnings = [log.message for log in rt.logs(done.id) if log.level == "WARN"]
    assert done.state is State.FAILED
    assert sleep.state is State.FAILED  # the running attempt was stopped, not waited for
    assert {"key": "sla", "value": "could-not-evaluate"} in done.labels
    assert any(message.startswith("SLA 'broken' violated: assertion could not be evaluated")
               for message in warnings)
