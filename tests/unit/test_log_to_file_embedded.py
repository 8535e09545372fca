"""logToFile on the embedded runtime (Kestra's LogToFileTest with its log-to-file flow): the
worker stores the file, the executor records its URI on the attempt."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime

LOG_TO_FILE = """
id: log-to-file
namespace: io.kestra.tests

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello World!
    logToFile: true
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: in the log store
"""


def test_log_to_file_stores_the_task_logs_and_records_the_file_on_the_attempt(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        rt.deploy(parse_flow(LOG_TO_FILE))
        done = rt.wait(rt.submit("io.kestra.tests", "log-to-file").id, 20)
        hello, after = rt.task_runs(done.id)
        logs = [(entry.task_id, entry.message) for entry in rt.logs(done.id)]
        [attempt] = hello.attempts
        content = rt.storage.read_bytes(attempt.log_file).decode()
        listed = {entry.uri for entry in rt.files(done.id)}
    assert done.state is State.SUCCESS
    assert attempt.log_file.startswith(
        f"kestra:///io/kestra/tests/log-to-file/executions/{done.id}/tasks/hello/{hello.id}/log-")
    [line] = content.splitlines()
    assert "INFO" in line and "Hello World!" in line
    assert ("hello", "Hello World!") not in logs  # the file replaces the log store
    assert ("after", "in the log store") in logs and after.attempts[0].log_file is None
    assert attempt.log_file in listed
    assert hello.to_api()["attempts"][0]["logFile"] == attempt.log_file
