"""The executor's group commit on each store: messages of several executions decided in
one transaction (executor/group_commit.py, executor/writes.py) end exactly as when each is
decided alone, a duplicate in the same group is recorded once, and a message that raises
leaves the others of its group committed and gets its own error."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from podium.common.flow.loader import parse_flow
from podium.common.messages import (
    LogLine,
    RunTask,
    TaskResult,
    decode_executor_message,
    decode_worker_message,
)
from podium.common.models.state import State
from podium.common.store import Database, get_execution, load_task_runs, save_flow
from podium.common.store.logs import fetch_logs
from podium.common.store.schema import outbox
from podium.common.submission import create_execution
from podium.common.transport.base import EXECUTOR_QUEUE, WORKER_QUEUE, decode_payload
from podium.common.transport.memory import InProcessTransport
from podium.executor.group_commit import Entry
from podium.executor.service import ExecutorService

FLOW = """
id: grouped
namespace: test.group
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: left
        type: io.kestra.plugin.core.debug.Return
        format: l
      - id: right
        type: io.kestra.plugin.core.debug.Return
        format: r
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: end
"""


def _start(db: Database, count: int) -> tuple[list[str], list[dict]]:
    loaded = parse_flow(FLOW)
    ids, payloads = [], []
    with db.begin() as conn:
        revision = save_flow(conn, loaded).revision
        for _ in range(count):
            execution, rows = create_execution(conn, loaded.flow, revision, None,
                                               datetime.now(timezone.utc))
            ids.append(execution.id)
            payloads += [payload for _, _, payload in rows]
    return ids, payloads


def _result(run_task: RunTask, state: State = State.SUCCESS) -> dict:
    now = datetime.now(timezone.utc)
    return TaskResult(execution_id=run_task.execution_id, task_run_id=run_task.task_run_id,
                      attempt=run_task.attempt, state=state,
                      outputs={"value": run_task.task.get("format")}, started=now, ended=now,
                      logs=[LogLine(task_run_id=run_task.task_run_id,
                                    task_id=run_task.task["id"], attempt=run_task.attempt,
                                    level="DEBUG", message=f"ran {run_task.task['id']}",
                                    timestamp=now)]).encode()


def _published(transport: InProcessTransport, queue: str) -> list[dict]:
    taken = list(transport._queues[queue])
    transport._queues[queue].clear()
    return [decode_payload(envelope.text) for envelope in taken]


def _drive(service: ExecutorService, transport: InProcessTransport, first: list[dict],
           grouped: bool, duplicate_results: bool = False) -> int:
    """Feed executor messages (all waiting at once, as one group, or one by one) and answer
    every RunTask with a success, until nothing is left. Returns the groups decided."""
    pending, groups = list(first), 0
    while pending:
        batches = [pending] if grouped else [[payload] for payload in pending]
        for batch in batches:
            entries = [Entry(decode_executor_message(payload)) for payload in batch]
            service._decide_group(entries)
            groups += 1
            for entry in entries:
                assert entry.error is None, entry.error
                if entry.result is not None:
                    service.relay.publish_committed(entry.result[0])
        assert not _published(transport, EXECUTOR_QUEUE)  # only RunTasks go out here
        results = [_result(decode_worker_message(p)) for p in _published(transport, WORKER_QUEUE)]
        pending = results + (results if duplicate_results else [])
    return groups


def _outcome(db: Database, ids: list[str]) -> list[tuple]:
    outcome = []
    with db.read() as conn:
        for execution_id in ids:
            execution = get_execution(conn, execution_id)
            runs = load_task_runs(conn, execution_id)
            lines = Counter(line.message for line in fetch_logs(conn, execution_id))
            outcome.append((execution.state, sorted((run.task_id, run.state.value,
                                                     len(run.attempts)) for run in runs),
                            sorted(lines.items())))
    return outcome


@pytest.fixture
def service(db: Database):
    transport = InProcessTransport()
    yield ExecutorService(db, transport), transport
    transport.close()


def test_a_group_of_several_executions_ends_as_the_same_messages_one_by_one(db, service) -> None:
    executor, transport = service
    alone_ids, alone_first = _start(db, 3)
    _drive(executor, transport, alone_first, grouped=False)
    grouped_ids, grouped_first = _start(db, 3)
    groups = _drive(executor, transport, grouped_first, grouped=True)

    assert groups == 3  # start, the two branches, the last task: one transaction each round
    alone, grouped = _outcome(db, alone_ids), _outcome(db, grouped_ids)
    assert grouped == alone
    assert all(state is State.SUCCESS for state, _, _ in grouped)
    assert grouped[0][1] == [("both", "SUCCESS", 0), ("last", "SUCCESS", 1),
                             ("left", "SUCCESS", 1), ("right", "SUCCESS", 1)]
    assert ("ran last", 1) in grouped[0][2]  # the worker's line, stored once
    with db.read() as conn:  # every row the executor wrote was published, RunTasks only
        rows = dict(conn.execute(select(outbox.c.id, outbox.c.payload)).all())
    unpublished = {rows[row_id]["kind"] for row_id in set(rows) - executor.relay.published()}
    assert unpublished == {"start_execution"}  # the submissions' rows: not the executor's
    assert Counter(rows[row_id]["kind"] for row_id in executor.relay.published()) == \
        {"run_task": 18}  # 6 executions x 3 runnable tasks


def test_two_results_of_one_execution_in_a_group_read_each_other_without_a_cache(
        db, service, monkeypatch) -> None:
    """Decided from the store (no cached execution or task runs, as on an executor that
    did not handle the execution's previous message), a group holding two results of one
    execution ends as the same messages one by one."""
    executor, transport = service
    monkeypatch.setattr(executor.runs, "execution", lambda execution_id: None)
    monkeypatch.setattr(executor.runs, "get", lambda execution_id, version: None)
    alone_ids, alone_first = _start(db, 2)
    _drive(executor, transport, alone_first, grouped=False)
    grouped_ids, grouped_first = _start(db, 2)
    _drive(executor, transport, grouped_first, grouped=True)

    assert _outcome(db, grouped_ids) == _outcome(db, alone_ids)
    with db.read() as conn:
        assert [get_execution(conn, i).state for i in grouped_ids] == [State.SUCCESS] * 2


def test_a_duplicate_result_in_the_same_group_is_recorded_once(db, service) -> None:
    executor, transport = service
    ids, first = _start(db, 2)
    _drive(executor, transport, first, grouped=True, duplicate_results=True)

    for state, runs, lines in _outcome(db, ids):
        assert state is State.SUCCESS
        assert ("last", "SUCCESS", 1) in runs
        assert dict(lines)["ran left"] == 1 and dict(lines)["ran last"] == 1


def test_a_duplicate_in_a_group_leaves_the_row_as_it_found_it(db, service) -> None:
    """The version bump that locked the row of an ignored message is taken back: with
    duplicates or without, the executions end at the same version."""
    executor, transport = service
    plain_ids, plain_first = _start(db, 2)
    _drive(executor, transport, plain_first, grouped=True)
    doubled_ids, doubled_first = _start(db, 2)
    _drive(executor, transport, doubled_first, grouped=True, duplicate_results=True)
    with db.read() as conn:
        versions = [get_execution(conn, i).version for i in (*plain_ids, *doubled_ids)]
    assert versions[2:] == versions[:2]


def test_a_message_that_raises_fails_alone_and_its_group_commits(db, service,
                                                                 monkeypatch) -> None:
    executor, transport = service
    ids, first = _start(db, 3)
    broken = ids[1]
    decide = executor._process

    def process_but_fail_one(writes, flow, execution, runs, message):
        if execution.id == broken:
            raise RuntimeError("this message cannot be decided")
        return decide(writes, flow, execution, runs, message)

    monkeypatch.setattr(executor, "_process", process_but_fail_one)
    entries = [Entry(decode_executor_message(payload)) for payload in first]
    executor._decide_group(entries)

    by_id = {entry.message.execution_id: entry for entry in entries}
    assert isinstance(by_id[broken].error, RuntimeError)
    assert by_id[broken].result is None
    with db.read() as conn:
        states = {execution_id: get_execution(conn, execution_id).state for execution_id in ids}
    assert states[broken] is State.CREATED  # rolled back, to be delivered again
    assert {states[ids[0]], states[ids[2]]} == {State.RUNNING}
    assert all(by_id[i].error is None and by_id[i].result for i in (ids[0], ids[2]))


def test_a_copy_of_a_start_in_the_same_group_reads_the_row_the_first_left(
        db, service, monkeypatch) -> None:
    """The first start's rewrite of the execution row is held with the group's writes; a
    copy of it later in the group, decided from the store (no cache), must see the
    execution started, not CREATED (and then find no task runs to load): it is ignored."""
    executor, transport = service
    monkeypatch.setattr(executor.runs, "execution", lambda execution_id: None)
    monkeypatch.setattr(executor.runs, "get", lambda execution_id, version: None)
    (execution_id,), (start,) = _start(db, 1)
    assert start["without_runs"] is True  # a new execution: stored with no task runs
    entries = [Entry(decode_executor_message(start)) for _ in range(2)]
    executor._decide_group(entries)

    assert [entry.error for entry in entries] == [None, None]
    assert entries[0].result is not None and entries[1].result is None  # the copy: ignored
    dispatched = [decode_worker_message(p) for p in _published_after(executor, entries)]
    assert sorted(m.task["id"] for m in dispatched) == ["left", "right"]
    with db.read() as conn:
        assert get_execution(conn, execution_id).state is State.RUNNING
        assert sorted(run.task_id for run in load_task_runs(conn, execution_id)) == \
            ["both", "left", "right"]


def _published_after(executor: ExecutorService, entries: list[Entry]) -> list[dict]:
    rows = [row for entry in entries if entry.result is not None for row in entry.result[0]]
    return [payload for _, queue, payload in rows if queue == WORKER_QUEUE]
