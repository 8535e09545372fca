"""What waits in memory for the store keeps waiting while the store is unreachable: the
worker's log lines, and the relay's published-message ids (whose rows the sweeper would
otherwise send again); an attempt's long log tail travels with its result rather than
fail it (and run its body again). The outage is a real one: a SQLite file that cannot be
opened."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from podium.common.messages import RunTask
from podium.common.outbox_relay import OutboxRelay
from podium.common.store import Database, fetch_logs, take_messages, upgrade_database
from podium.common.store.outbox import enqueue_for_publish
from podium.common.transport.memory import InProcessTransport
from podium.worker.log_writer import LogWriter
from podium.worker.service import INLINE_LOG_LINES, WorkerService


@pytest.fixture
def stores(tmp_path):
    good = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(good)
    down = Database(f"sqlite:///{tmp_path / 'missing' / 'podium.db'}")  # cannot be opened
    yield good, down
    good.dispose()
    down.dispose()


def test_log_lines_not_written_during_an_outage_are_written_after_it(stores):
    good, down = stores
    writer = LogWriter(down)
    message = RunTask(execution_id="e1", task_run_id="r1", attempt=1, task={"id": "t"},
                      context={}, namespace="n", flow_id="f", flow_revision=1)
    writer.add(message, "t", "INFO", "first")
    writer.add(message, "t", "INFO", "second")
    with pytest.raises(OperationalError):
        writer.flush()
    writer.add(message, "t", "INFO", "third")
    writer.db = good  # the store is back
    writer.flush()
    with good.read() as conn:
        assert [line.message for line in fetch_logs(conn, "e1")] == ["first", "second", "third"]
    writer.close()


def test_published_ids_are_kept_until_their_rows_can_be_deleted(stores):
    good, down = stores
    relay = OutboxRelay(good, InProcessTransport())
    with good.begin() as conn:
        rows = enqueue_for_publish(conn, [("podium.executor", {"kind": "x"})])
    relay.publish_committed(rows)
    relay.db = down
    with pytest.raises(OperationalError):
        relay.delete_published()
    relay.db = good
    assert relay.delete_published() == 1
    with good.read() as conn:
        assert take_messages(conn) == []


def test_a_long_log_tail_travels_with_the_result_when_the_store_is_down(stores):
    _, down = stores
    worker = WorkerService(down, InProcessTransport())
    message = RunTask(execution_id="e1", task_run_id="r1", attempt=1, task={"id": "t"},
                      context={}, namespace="n", flow_id="f", flow_revision=1)
    for index in range(INLINE_LOG_LINES + 50):  # too many to travel in a normal result
        worker.logs.add(message, "t", "INFO", f"line {index}")
    tail = worker._tail_logs(message)
    assert [line.message for line in tail] == \
        [f"line {index}" for index in range(INLINE_LOG_LINES + 50)]
    worker.logs._stop.set()
