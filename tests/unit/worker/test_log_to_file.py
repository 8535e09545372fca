"""logToFile on the worker (Kestra's LogToFileTest): an attempt's lines go to a file stored
as an output of its task run, never to the log sink."""

from __future__ import annotations

import re

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

LOG = "io.kestra.plugin.core.log.Log"
SH = "io.kestra.plugin.scripts.shell.Commands"
FAIL = "io.kestra.plugin.core.execution.Fail"
PREFIX = "kestra:///company/team/flow/executions/exec1/tasks/t1/tr1/"


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        yield storage


def run(storage, type_, **props):
    ctx, logs = make_ctx(storage=storage)
    return run_attempt(make_task(type_, logToFile=True, **props), ctx), logs


def lines(storage, uri: str) -> list[str]:
    return storage.read_bytes(uri).decode().splitlines()


def test_the_lines_go_to_a_stored_file_instead_of_the_sink(storage):
    outcome, logs = run(storage, LOG, message="Hello World!")
    assert outcome.state is State.SUCCESS and logs.entries == []
    assert re.fullmatch(re.escape(PREFIX) + r"log-[a-z0-9]{5}\.txt", outcome.log_file)
    [line] = lines(storage, outcome.log_file)
    assert "INFO" in line and line.endswith(" Hello World!")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO  ", line)
    assert "flow.flow.exec1.tr1" in line


def test_the_file_holds_masked_script_output_and_the_failure(storage):
    outcome, logs = run(storage, SH, env={"KEY": "{{ secret('API_KEY') }}"},
                        commands=['echo "key is $KEY"', "exit 3"])
    assert outcome.state is State.FAILED and logs.entries == []
    text = "\n".join(lines(storage, outcome.log_file))
    assert "key is **masked****" in text and "s3cr3t-value" not in text
    assert "ERROR" in text and "exit code 3" in text.lower()


def test_a_task_without_log_to_file_logs_to_the_sink(storage):
    ctx, logs = make_ctx(storage=storage)
    outcome = run_attempt(make_task(LOG, message="plain"), ctx)
    assert outcome.log_file is None and logs.messages("INFO") == ["plain"]


def test_without_storage_the_lines_stay_in_the_sink():
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(LOG, message="kept", logToFile=True), ctx)
    assert outcome.log_file is None
    assert logs.messages("INFO") == ["kept"]
    assert any("logToFile needs the internal storage" in m for m in logs.messages("WARN"))


def test_a_working_directory_child_keeps_its_own_log_file(storage):
    ctx, logs = make_ctx(storage=storage)
    ctx.log_sink_for = lambda run_id, task_id: logs
    outcome = run_attempt(make_task("io.kestra.plugin.core.flow.WorkingDirectory", tasks=[
        {"id": "to_file", "type": LOG, "message": "in the file", "logToFile": True},
        {"id": "to_store", "type": LOG, "message": "in the store"}]), ctx)
    to_file, to_store = outcome.children
    assert to_store.log_file is None and logs.messages("INFO") == ["in the store"]
    assert f"/tasks/to-file/{to_file.id}/log-" in to_file.log_file
    assert lines(storage, to_file.log_file)[0].endswith(" in the file")


def test_a_full_disk_sends_the_lines_to_the_sink_and_the_attempt_stands(storage, monkeypatch):
    """The file on a full disk (/dev/full: every write is ENOSPC): the task's outcome is
    its own, the lines not written go to the log sink after a warning naming the cause."""
    from pathlib import Path

    import podium.worker.runnables.attempt as attempt
    from podium.worker.log_file import LogFile

    class OnFullDisk(LogFile):
        def __init__(self, path, *args, **kwargs):
            super().__init__(Path("/dev/full"), *args, **kwargs)
            # What is stored afterwards is the real file (empty: the disk was full from the
            # start); reading /dev/full back would never end.
            path.touch()
            self.path = path

    monkeypatch.setattr(attempt, "LogFile", OnFullDisk)
    outcome, logs = run(storage, SH, commands=["seq 1 3000"])
    assert outcome.state is State.SUCCESS, outcome.error
    warnings = logs.messages("WARN")
    assert any("No space left on device" in m for m in warnings), warnings
    assert "3000" in logs.messages("INFO")
