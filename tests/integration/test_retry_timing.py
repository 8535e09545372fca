"""Retry delays on the real services: a PT1S retry starts its next attempt about 1 s later.

The executor that commits a retry timer wakes its own timer loop for it, so the delay is
the policy's, not the policy's plus a polling interval (`executor.timer_poll_seconds`, 1 s
by default, only bounds how late a timer another executor created is seen).
"""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime

pytestmark = pytest.mark.service

FLOW = """
id: retry-timing
namespace: it.retrytiming
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: always fails
    retry:
      type: constant
      interval: PT1S
      maxAttempts: 3
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    # Default timer settings: what a deployment gets.
    runtime, _ = start_runtime(deployment, "retrytiming:", executors=1, workers=1,
                               worker_concurrency=2)
    yield runtime
    stop_runtime(deployment, runtime)


def test_constant_retry_of_one_second_starts_attempts_about_one_second_apart(runtime):
    deploy(runtime, FLOW)
    gaps = []
    for _ in range(3):  # three executions: six gaps, none may show a polling delay
        execution = finish(runtime, runtime.submit("it.retrytiming", "retry-timing").id)
        assert execution.state is State.FAILED
        (run,) = runtime.task_runs(execution.id)
        starts = [attempt.started for attempt in run.attempts]
        assert len(starts) == 3 and all(starts)
        gaps += [(later - earlier).total_seconds() for earlier, later in zip(starts, starts[1:])]
    print(f"gaps between attempt starts: {[round(gap, 3) for gap in gaps]}")
    assert all(gap >= 1.0 for gap in gaps), gaps  # never before the interval
    # 1 s + the attempt itself + a few messages; a 1 s poll would add up to 1 s.
    assert max(gaps) < 1.3, gaps
