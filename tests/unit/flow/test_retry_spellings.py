"""Retry's attempt count: `maxAttempts` (Kestra's current docs) and `maxAttempt` (older
flows) both read, never both at once."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from tests.unit.executor.harness import Harness
from tests.unit.executor.test_engine_sequential import flow, task

RETRY = "  type: constant\n  interval: PT1S\n  {}: 2\n"


def _flow(spelling: str) -> str:
    return ("id: f\nnamespace: n\nretry:\n" + RETRY.format(spelling)
            + "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
            + "    retry:\n      type: constant\n      interval: PT1S\n"
            + f"      {spelling}: 3\n")


@pytest.mark.parametrize("spelling", ["maxAttempts", "maxAttempt"])
def test_both_spellings_set_the_attempt_count(spelling):
    loaded = parse_flow(_flow(spelling)).flow
    assert loaded.retry.max_attempt == 2
    assert loaded.tasks[0].retry.max_attempt == 3


def test_both_spellings_at_once_are_refused_naming_them():
    source = _flow("maxAttempts").replace("  maxAttempts: 2\n", "  maxAttempts: 2\n  maxAttempt: 2\n")
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(source)
    assert "either maxAttempts or maxAttempt" in str(caught.value)


def test_max_attempts_below_one_is_refused():
    with pytest.raises(FlowValidationError, match="maxAttempts"):
        parse_flow(_flow("maxAttempts").replace("maxAttempts: 3", "maxAttempts: 0"))


def test_max_attempts_stops_the_retries():
    h = Harness(flow(task("a", "Fail", "    retry:\n      type: constant\n      interval: PT1S\n"
                                      "      maxAttempts: 3\n")))
    assert h.run() is State.FAILED
    assert len(h.by_task("a")[0].attempts) == 3


def test_flow_level_max_attempts_with_create_new_execution():
    h = Harness(flow(task("a", "Fail"), tail="retry:\n  type: constant\n  interval: PT1S\n"
                                            "  maxAttempts: 3\n  behavior: CREATE_NEW_EXECUTION\n"))
    h.start()
    h.result(h.dispatched[0], "FAILED")
    assert h.execution.state is State.RETRIED
