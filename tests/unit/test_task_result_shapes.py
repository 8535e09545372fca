"""A TaskResult's children and log lines are typed, and a result an earlier worker sent
(plain dicts, ISO dates as text) still decodes: messages in flight survive an upgrade."""

from __future__ import annotations

from datetime import datetime, timezone

from podium.common.messages import ChildRun, LogLine, TaskResult, decode_executor_message
from podium.common.models.state import State

OLD_RESULT = {
    "version": 1, "kind": "task_result", "execution_id": "e1", "task_run_id": "tr1",
    "attempt": 1, "state": "SUCCESS",
    "children": [{"id": "c1", "task_id": "write", "state": "SUCCESS", "outputs": {"a": 1},
                  "error": None, "started": "2024-01-01T00:00:01+00:00",
                  "ended": "2024-01-01T00:00:02+00:00", "log_file": None, "cache_key": None}],
    "logs": [{"task_run_id": "c1", "task_id": "write", "attempt": 1, "level": "INFO",
              "message": "hello", "timestamp": "2024-01-01T00:00:01.500000+00:00"}],
}


def test_a_result_in_the_shape_an_earlier_worker_sent_decodes():
    result = decode_executor_message(OLD_RESULT)
    assert isinstance(result, TaskResult)
    assert result.children == [ChildRun(
        id="c1", task_id="write", state=State.SUCCESS, outputs={"a": 1},
        started=datetime(2024, 1, 1, 0, 0, 1, tzinfo=timezone.utc),
        ended=datetime(2024, 1, 1, 0, 0, 2, tzinfo=timezone.utc))]
    assert result.logs == [LogLine(
        task_run_id="c1", task_id="write", attempt=1, level="INFO", message="hello",
        timestamp=datetime(2024, 1, 1, 0, 0, 1, 500000, tzinfo=timezone.utc))]


def test_a_result_survives_its_encoding():
    result = decode_executor_message(OLD_RESULT)
    assert decode_executor_message(result.encode()) == result
