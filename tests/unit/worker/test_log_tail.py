"""An attempt's last log lines travel with its result (worker/log_writer.py `take`,
worker/service.py `_tail_logs`) and the executor stores them with it, once."""

from __future__ import annotations

import threading

from podium.common.flow.loader import parse_flow
from podium.common.messages import RunTask
from podium.common.models.state import State
from podium.common.store import Database, fetch_logs, upgrade_database
from podium.runtime import Runtime
from podium.worker.log_writer import LogWriter


def _message(execution_id: str, run_id: str) -> RunTask:
    return RunTask(execution_id=execution_id, task_run_id=run_id, attempt=1,
                   task={"id": "t", "type": "io.kestra.plugin.core.log.Log", "message": "x"},
                   context={}, namespace="n", flow_id="f", flow_revision=1)


def test_take_returns_only_that_execution_lines_and_waits_for_a_write(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'logs.db'}")
    upgrade_database(db)
    writer = LogWriter(db, interval=60)
    for i in range(3):
        writer.add(_message("e1", "r1"), "t", "INFO", f"mine {i}")
        writer.add(_message("e2", "r2"), "t", "INFO", f"other {i}")
    assert [e.message for e in writer.take("e1")] == ["mine 0", "mine 1", "mine 2"]
    assert writer.take("e1") == []
    taken = []
    with writer._write_lock:  # a background write in progress holds this lock
        thread = threading.Thread(target=lambda: taken.extend(writer.take("e2")))
        thread.start()
        thread.join(0.2)
        assert thread.is_alive() and not taken
    thread.join(5)
    assert [e.message for e in taken] == ["other 0", "other 1", "other 2"]
    writer.close()


LOUD = """
id: loud
namespace: company.team
tasks:
  - id: few
    type: io.kestra.plugin.core.log.Log
    message: ["one", "two"]
  - id: many
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - "for i in $(seq 1 300); do echo line $i; done"
"""


def test_every_line_is_stored_once_in_order_whether_sent_inline_or_not(tmp_path):
    with Runtime.embedded(tmp_path) as runtime:
        runtime.deploy(parse_flow(LOUD))
        done = runtime.wait(runtime.submit("company.team", "loud").id, 30)
        assert done.state is State.SUCCESS
        with runtime.db.read() as conn:
            logs = fetch_logs(conn, done.id)
    few = [log.message for log in logs if log.task_id == "few"]
    assert few == ["one", "two"]
    many = [log.message for log in logs if log.task_id == "many" and
            log.message.startswith("line ")]
    assert many == [f"line {i}" for i in range(1, 301)]


def test_a_task_s_last_lines_come_before_the_lines_its_result_caused(tmp_path):
    with Runtime.embedded(tmp_path) as runtime:
        runtime.deploy(parse_flow(LOUD.replace("300", "3")))
        done = runtime.wait(runtime.submit("company.team", "loud").id, 30)
        with runtime.db.read() as conn:
            messages = [log.message for log in fetch_logs(conn, done.id)]
    assert messages[-1] == "Flow completed with state SUCCESS"
    assert messages.index("line 3") < messages.index("Flow completed with state SUCCESS")
