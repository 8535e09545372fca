"""`write_together` (a deciding transaction's task runs, log lines and outbox messages) and
`insert_execution_with_messages` (a submission): one statement on PostgreSQL, one per table
on SQLite; both must store the same rows."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.state import State, StateHistory
from podium.common.store import (
    NaiveDatetimeError,
    NotFoundError,
    fetch_logs,
    get_execution,
    get_task_run,
    insert_execution,
    insert_task_runs,
    list_executions,
    load_task_runs,
    take_messages,
)
from podium.common.store.logs import LogEntry
from podium.common.store.schema import task_runs as task_runs_table
from podium.common.store.write_together import insert_execution_with_messages, write_together

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def stored_execution(conn) -> Execution:
    execution = Execution(namespace="company.team", flow_id="f", flow_revision=1,
                          history=StateHistory.new(T0))
    insert_execution(conn, execution)
    return execution


def run(execution_id: str, task_id: str, seq: int, **extra) -> TaskRun:
    return TaskRun(execution_id=execution_id, task_id=task_id, seq=seq,
                   history=StateHistory.new(T0), **extra)


def line(execution_id: str, message: str, level: str = "INFO") -> LogEntry:
    return LogEntry(execution_id=execution_id, task_run_id=None, task_id="t", attempt=1,
                    level=level, message=message, timestamp=T0, namespace="company.team",
                    flow_id="f")


def test_every_kind_of_row_is_stored_as_given(db):
    outputs = {"zeta": 1, "alpha": ["é", None, {"nested": "quote \" and \\ slash"}]}
    with db.begin() as conn:
        execution = stored_execution(conn)
        kept = run(execution.id, "kept", 0)
        insert_task_runs(conn, [kept])
        done = kept.model_copy(update={"state": State.SUCCESS, "outputs": outputs,
                                       "attempts": [Attempt(number=1, state=State.SUCCESS,
                                                            started=T0, ended=T0)]})
        new = run(execution.id, "next", 1, value="a \"value\"\n", iteration=3)
        messages = [("podium.worker", {"kind": "run_task", "n": n}) for n in range(5)]
        ids = write_together(conn, [new], [done], [line(execution.id, "one"),
                                                  line(execution.id, "two\nlines", "WARNING")],
                             messages)
    with db.begin() as conn:
        runs = {r.task_id: r for r in load_task_runs(conn, execution.id)}
        version = conn.execute(select(task_runs_table.c.version)
                               .where(task_runs_table.c.id == kept.id)).scalar_one()
        logs = fetch_logs(conn, execution.id)
        queued = take_messages(conn)
    assert runs["kept"] == done and version == 2
    assert list(runs["kept"].outputs) == ["zeta", "alpha"]  # the task's own key order
    assert runs["next"] == new
    assert [(r.message, r.level) for r in logs] == [("one", "INFO"), ("two\nlines", "WARN")]
    assert [(m.id, m.payload) for m in queued] == list(zip(ids, [p for _, p in messages]))
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_null_and_empty_json_stay_apart(db):
    with db.begin() as conn:
        execution = stored_execution(conn)
        nothing = run(execution.id, "nothing", 0, outputs=None)
        empty = run(execution.id, "empty", 1, outputs={})
        write_together(conn, [nothing, empty], [], [], [])
    with db.begin() as conn:
        assert get_task_run(conn, nothing.id).outputs is None
        assert get_task_run(conn, empty.id).outputs == {}


@pytest.mark.parametrize("known", [0, 2], ids=["alone", "beside-others"])
def test_updating_a_run_never_inserted_raises_and_names_it(db, known):
    with db.begin() as conn:
        execution = stored_execution(conn)
        stored = [run(execution.id, f"t{n}", n) for n in range(known)]
        insert_task_runs(conn, stored)
    ghost = run(execution.id, "t", 9).model_copy(update={"id": "ghost"})
    with pytest.raises(NotFoundError, match="ghost"):
        with db.begin() as conn:
            write_together(conn, [], [*stored, ghost], [], [("q", {"n": 1})])
    with db.begin() as conn:
        assert take_messages(conn) == []


def test_nothing_to_write_writes_nothing(db):
    with db.begin() as conn:
        assert write_together(conn, [], [], [], []) == []
        assert take_messages(conn) == []


def test_ids_pair_with_messages_across_statements_and_sessions(db):
    """Each statement's ids pair with its messages in order, with another session drawing
    from the same sequence between two statements of one transaction."""
    with db.begin() as conn:
        execution = stored_execution(conn)
    many = [("q", {"n": n}) for n in range(40)]
    with db.begin() as conn:
        ids = write_together(conn, [], [], [line(execution.id, "x")], many)
        if not db.is_sqlite:  # another session's draw, between two of ours
            with db.begin() as other:
                write_together(other, [], [], [], [("q", {"other": True})])
        more = write_together(conn, [], [], [], [("q", {"n": 40})])
    with db.begin() as conn:
        by_id = {m.id: m.payload for m in take_messages(conn, limit=100)}
    assert [by_id[i] for i in ids + more] == [p for _, p in many] + [{"n": 40}]


def test_a_new_execution_its_labels_and_its_message_go_in_together(db):
    execution = Execution(namespace="company.team", flow_id="f", flow_revision=1,
                          history=StateHistory.new(T0), inputs={"b": 1, "a": "é"},
                          labels=[{"key": "team", "value": "data"},
                                  {"key": "n", "value": 3}])
    with db.begin() as conn:
        ids = insert_execution_with_messages(conn, execution,
                                             [("podium.executor", {"kind": "start"})])
    with db.begin() as conn:
        stored = get_execution(conn, execution.id)
        listed = list_executions(conn, labels={"team": "data", "n": "3"})
        queued = take_messages(conn)
    assert stored.model_dump(exclude={"version"}) == execution.model_dump(exclude={"version"})
    assert list(stored.inputs) == ["b", "a"]
    assert [e.id for e in listed] == [execution.id]
    assert [(m.id, m.payload) for m in queued] == [(ids[0], {"kind": "start"})]


def test_an_execution_id_that_exists_is_refused_and_writes_nothing(db):
    execution = Execution(namespace="company.team", flow_id="f", flow_revision=1,
                          history=StateHistory.new(T0))
    with db.begin() as conn:
        insert_execution_with_messages(conn, execution, [])
    with pytest.raises(IntegrityError):
        with db.begin() as conn:
            insert_execution_with_messages(conn, execution, [("q", {"again": True})])
    with db.begin() as conn:
        assert take_messages(conn) == []



def test_a_naive_datetime_is_refused_as_the_columns_refuse_it(db):
    naive = LogEntry(execution_id="e", task_run_id=None, task_id="t", attempt=1, level="INFO",
                     message="x", timestamp=datetime(2024, 5, 1, 12, 0))
    with pytest.raises((NaiveDatetimeError, StatementError)) as caught:
        with db.begin() as conn:
            write_together(conn, [], [], [naive], [("q", {"n": 1})])
    error = caught.value
    assert isinstance(getattr(error, "orig", error), NaiveDatetimeError)
    with db.begin() as conn:
        assert take_messages(conn) == []


@pytest.mark.parametrize("how", ["alone", "two", "labels"])
def test_execution_rows_are_rewritten_with_the_writes(db, how):
    """An execution's row goes with the writes that decided it: alone in the statement,
    beside another execution's, or with its labels rewritten; its version stays where its
    lock moved it."""
    with db.begin() as conn:
        first, second = stored_execution(conn), stored_execution(conn)
    later = datetime(2024, 5, 1, 12, 5, tzinfo=timezone.utc)
    running = first.moved_to(State.RUNNING, later).model_copy(update={
        "outputs": {"z": 1, "a": ["é", None]}, "error": None,
        "labels": [{"key": "team", "value": "ops"}] if how == "labels" else first.labels})
    rows = [(running, how == "labels")]
    if how == "two":
        rows.append((second.moved_to(State.FAILED, later), False))
    with db.begin() as conn:
        ids = write_together(conn, [run(first.id, "t", 0)], [], [], [("q", {"n": 1})], rows)
    with db.begin() as conn:
        stored = {e.id: e for e in (get_execution(conn, first.id), get_execution(conn, second.id))}
        listed = list_executions(conn, labels={"team": "ops"})
        assert [r.task_id for r in load_task_runs(conn, first.id)] == ["t"]
        assert [m.id for m in take_messages(conn)] == ids
    for execution, _ in rows:
        assert stored[execution.id].model_dump(exclude={"version"}) == \
            execution.model_dump(exclude={"version"})
        assert stored[execution.id].version == 1
    assert list(stored[first.id].outputs) == ["z", "a"]
    assert [e.id for e in listed] == ([first.id] if how == "labels" else [])
    if how != "two":
        assert stored[second.id].state is State.CREATED


@pytest.mark.parametrize("beside", [False, True], ids=["alone", "beside-another"])
def test_rewriting_an_execution_never_inserted_raises_and_writes_nothing(db, beside):
    with db.begin() as conn:
        other = stored_execution(conn)
    ghost = Execution(id="ghost", namespace="company.team", flow_id="f", flow_revision=1,
                      history=StateHistory.new(T0))
    rows = [(ghost, False)] + ([(other.moved_to(State.RUNNING, T0), False)] if beside else [])
    with pytest.raises(NotFoundError, match="ghost"):
        with db.begin() as conn:
            write_together(conn, [], [], [], [("q", {"n": 1})], rows)
    with db.begin() as conn:
        assert take_messages(conn) == []
        assert get_execution(conn, other.id).state is State.CREATED
