"""Flow concurrency end to end in the embedded mode (SQLite, in-process transport): the
queue is released as executions end, and a FAIL flow fails the extra executions."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.store.slots import count_slots_taken
from podium.runtime import Runtime
from tests.waiting import wait_for


@pytest.fixture
def runtime(tmp_path):
    runtime = Runtime.embedded(tmp_path, workers=4, environ={})
    yield runtime
    runtime.close()


def deploy(runtime, behavior: str) -> None:
    runtime.deploy(parse_flow(f"""
id: limited
namespace: tests.concurrency
concurrency:
  limit: 1
  behavior: {behavior}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.3S
"""))


def wait_state(runtime, execution_id: str, *states: State) -> None:
    wait_for(lambda: runtime.get(execution_id).state in states, 10,
             f"{execution_id} in {states}", poll=0.01)


def test_queued_executions_run_one_at_a_time_in_order(runtime):
    deploy(runtime, "QUEUE")
    ids = []
    for _ in range(3):
        ids.append(runtime.submit("tests.concurrency", "limited").id)
        wait_state(runtime, ids[-1], State.RUNNING, State.QUEUED)
    ended = [runtime.wait(execution_id, timeout=20) for execution_id in ids]
    assert [e.state for e in ended] == [State.SUCCESS] * 3
    assert [bool(e.history.entered(State.QUEUED)) for e in ended] == [False, True, True]
    starts = [next(h.date for h in e.history.histories if h.state is State.RUNNING)
              for e in ended]
    assert starts == sorted(starts)
    for before, after in zip(ended, ended[1:]):  # never two at once (limit 1)
        assert before.history.end_date <= next(
            h.date for h in after.history.histories if h.state is State.RUNNING)
    with runtime.db.read() as conn:
        assert count_slots_taken(conn, "tests.concurrency", "limited") == 0


def test_fail_fails_the_execution_over_the_limit(runtime):
    deploy(runtime, "FAIL")
    first = runtime.submit("tests.concurrency", "limited").id
    wait_state(runtime, first, State.RUNNING)
    second = runtime.wait(runtime.submit("tests.concurrency", "limited").id, timeout=10)
    assert second.state is State.FAILED
    assert second.error == "flow concurrency limit reached"
    assert runtime.wait(first, timeout=10).state is State.SUCCESS
