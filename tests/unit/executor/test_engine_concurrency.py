"""Flow concurrency in the pure core: the start decision given the slots taken (a fact
the handler counts under the flow's slot lock)."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from podium.executor.engine.advance import CONCURRENCY_LIMIT_REACHED
from podium.executor.engine.commands import DispatchTask, ExecutionEnded
from tests.unit.executor.harness import Harness


def flow(behavior: str | None, limit: int = 2) -> str:
    line = f"\n  behavior: {behavior}" if behavior else ""
    return f"""
id: limited
namespace: tests.concurrency
concurrency:
  limit: {limit}{line}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
"""


def history(harness: Harness) -> list[str]:
    return [entry.state.value for entry in harness.execution.history.histories]


def ended(decision) -> bool:
    return any(isinstance(command, ExecutionEnded) for command in decision.commands)


@pytest.mark.parametrize("behavior", ["QUEUE", "CANCEL", "FAIL", None])
def test_a_free_slot_starts_the_execution(behavior):
    harness = Harness(flow(behavior))
    harness.slots_taken = 1
    assert harness.run() is State.SUCCESS
    assert history(harness) == ["CREATED", "RUNNING", "SUCCESS"]


def test_no_fact_starts_the_execution():
    harness = Harness(flow("FAIL", limit=1))
    assert harness.run() is State.SUCCESS


def test_queue_waits_without_doing_anything():
    harness = Harness(flow("QUEUE"))
    harness.slots_taken = 2
    decision = harness.start()
    assert harness.execution.state is State.QUEUED
    assert history(harness) == ["CREATED", "QUEUED"]
    assert decision.created == [] and decision.commands == []
    assert harness.dispatched == []


def test_the_default_behavior_is_queue():
    harness = Harness(flow(None, limit=1))
    harness.slots_taken = 1
    harness.start()
    assert harness.execution.state is State.QUEUED


def test_a_queued_execution_ignores_a_redelivered_start():
    harness = Harness(flow("QUEUE"))
    harness.slots_taken = 2
    harness.start()
    assert harness.start().ignored


def test_a_released_execution_starts_and_keeps_its_history():
    harness = Harness(flow("QUEUE"))
    harness.slots_taken = 2
    harness.start()
    # What the store does when a slot frees (common.store.slots.release_queued).
    harness.execution = harness.execution.moved_to(State.CREATED, harness.now)
    harness.slots_taken = 1
    assert harness.run() is State.SUCCESS
    assert history(harness) == ["CREATED", "QUEUED", "CREATED", "RUNNING", "SUCCESS"]


def test_a_released_execution_without_a_slot_queues_again():
    harness = Harness(flow("QUEUE"))
    harness.slots_taken = 2
    harness.start()
    harness.execution = harness.execution.moved_to(State.CREATED, harness.now)
    harness.start()
    assert history(harness) == ["CREATED", "QUEUED", "CREATED", "QUEUED"]


def test_cancel_ends_cancelled():
    harness = Harness(flow("CANCEL"))
    harness.slots_taken = 3
    decision = harness.start()
    assert harness.execution.state is State.CANCELLED
    assert history(harness) == ["CREATED", "CANCELLED"]
    assert ended(decision) and harness.dispatched == [] and decision.created == []


def test_fail_ends_failed_with_an_error():
    harness = Harness(flow("FAIL", limit=1))
    harness.slots_taken = 1
    decision = harness.start()
    assert harness.execution.state is State.FAILED
    assert history(harness) == ["CREATED", "FAILED"]
    assert harness.execution.error == CONCURRENCY_LIMIT_REACHED
    assert ended(decision) and harness.dispatched == []
    assert any(level == "ERROR" for _, level, _ in decision.logs)


def test_a_queued_execution_can_be_killed():
    harness = Harness(flow("QUEUE"))
    harness.slots_taken = 2
    harness.start()
    decision = harness.kill()
    assert harness.execution.state is State.KILLED
    assert history(harness) == ["CREATED", "QUEUED", "KILLING", "KILLED"]
    assert ended(decision)


def test_a_flow_without_concurrency_ignores_the_fact():
    harness = Harness("""
id: free
namespace: tests.concurrency
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
""")
    harness.slots_taken = 100
    assert harness.run() is State.SUCCESS


def test_a_scheduled_start_checks_the_slots_when_it_fires():
    harness = Harness(flow("QUEUE", limit=1))
    harness.execution = harness.execution.model_copy(
        update={"schedule_date": harness.now.replace(year=2030)})
    harness.slots_taken = 1
    harness.start()
    assert harness.execution.state is State.CREATED and len(harness.timers) == 1
    harness.fire_timers()
    assert harness.execution.state is State.QUEUED
    assert not any(isinstance(c, DispatchTask) for d in harness.decisions for c in d.commands)
