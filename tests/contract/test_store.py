"""Contract of the SQL store, run on SQLite and PostgreSQL (see conftest.py): flow
revisions, executions, task runs. Logs, outbox and timers: test_store_queues.py; locking
and migrations: test_store_schema.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.flowable_state import FlowableState, IterationEnd
from podium.common.models.state import State, StateEntry, StateHistory
from podium.common.store import (
    NaiveDatetimeError,
    NotFoundError,
    bumped_execution,
    count_executions,
    delete_flow,
    delete_revisions,
    flows_stamp,
    get_execution,
    get_flow,
    get_task_run,
    insert_execution,
    insert_task_runs,
    list_executions,
    list_flows,
    list_revisions,
    load_task_runs,
    load_task_runs_by_task,
    lock_and_bump_execution,
    lock_and_bump_executions,
    lock_execution,
    revisions_in_use,
    save_flow,
    update_execution,
    update_task_runs,
)
from podium.common.store.schema import task_runs as task_runs_table

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

FLOW = """\
id: {id}
namespace: {ns}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{message}"
"""


def flow(message: str = "hi", flow_id: str = "hello", ns: str = "company.team"):
    return parse_flow(FLOW.format(id=flow_id, ns=ns, message=message))


def execution(ns: str = "company.team", flow_id: str = "hello", at: datetime = T0,
              state: State = State.CREATED, **extra) -> Execution:
    return Execution(namespace=ns, flow_id=flow_id, flow_revision=1,
                     history=StateHistory.new(at, state), **extra)


def task_run(execution_id: str, task_id: str, seq: int, **extra) -> TaskRun:
    return TaskRun(execution_id=execution_id, task_id=task_id, seq=seq,
                   history=StateHistory.new(T0), **extra)


# -- flows ---------------------------------------------------------------------------------

def test_first_save_creates_revision_1_and_keeps_the_source(db):
    loaded = flow()
    with db.begin() as conn:
        saved = save_flow(conn, loaded)
    assert (saved.namespace, saved.id, saved.revision, saved.deleted, saved.created) == \
        ("company.team", "hello", 1, False, True)
    with db.begin() as conn:
        got = get_flow(conn, "company.team", "hello")
    assert got.revision == 1 and got.source == loaded.source and not got.created
    assert got.saved_at.tzinfo is not None


def test_identical_save_returns_the_existing_revision(db):
    with db.begin() as conn:
        save_flow(conn, flow())
        again = save_flow(conn, flow())
        assert (again.revision, again.created) == (1, False)
        assert len(list_revisions(conn, "company.team", "hello")) == 1


def test_changed_save_makes_a_new_revision_and_keeps_the_old(db):
    with db.begin() as conn:
        save_flow(conn, flow("one"))
        second = save_flow(conn, flow("two"))
        assert (second.revision, second.created) == (2, True)
        assert "two" in get_flow(conn, "company.team", "hello").source
        assert "one" in get_flow(conn, "company.team", "hello", revision=1).source
        # Going back to an older text is a change too: revision 3.
        assert save_flow(conn, flow("one")).revision == 3


def test_delete_is_a_soft_delete_and_numbering_continues(db):
    with db.begin() as conn:
        save_flow(conn, flow("one"))
        save_flow(conn, flow("two"))
        deleted = delete_flow(conn, "company.team", "hello")
        assert (deleted.revision, deleted.deleted, deleted.created) == (3, True, True)
        assert get_flow(conn, "company.team", "hello") is None
        assert delete_flow(conn, "company.team", "hello") is None  # already deleted
        # Earlier revisions stay readable (running executions are pinned to them).
        assert "two" in get_flow(conn, "company.team", "hello", revision=2).source
        assert get_flow(conn, "company.team", "hello", revision=3).deleted
        assert list_flows(conn) == []
        # Re-creating with the same source as before the delete is a new revision.
        recreated = save_flow(conn, flow("two"))
        assert (recreated.revision, recreated.deleted, recreated.created) == (4, False, True)
        assert [(r.revision, r.deleted) for r in list_revisions(conn, "company.team", "hello")] \
            == [(1, False), (2, False), (3, True), (4, False)]


def test_get_unknown_flow_or_revision(db):
    with db.begin() as conn:
        save_flow(conn, flow())
        assert get_flow(conn, "company.team", "nope") is None
        assert get_flow(conn, "company.team", "hello", revision=9) is None
        assert delete_flow(conn, "company.team", "nope") is None


def test_purging_revisions_and_the_revisions_unfinished_executions_run(db):
    with db.begin() as conn:
        for message in ("a", "b", "c"):
            save_flow(conn, flow(message))
        for state, revision in ((State.RUNNING, 2), (State.PAUSED, 2), (State.SUCCESS, 1)):
            insert_execution(conn, execution(state=state).model_copy(
                update={"flow_revision": revision}))
        insert_execution(conn, execution(flow_id="other", state=State.RUNNING))
        assert revisions_in_use(conn, "company.team", "hello") == {2}
        assert delete_revisions(conn, "company.team", "hello", []) == 0
        assert delete_revisions(conn, "company.team", "hello", [1, 9]) == 1
        assert [r.revision for r in list_revisions(conn, "company.team", "hello")] == [2, 3]


def test_list_flows_gives_latest_live_revisions_by_namespace_prefix(db):
    with db.begin() as conn:
        save_flow(conn, flow("a", "f1", "company"))
        save_flow(conn, flow("b", "f1", "company"))
        save_flow(conn, flow("c", "f2", "company.team"))
        save_flow(conn, flow("d", "f3", "companyx"))
        save_flow(conn, flow("e", "f4", "company_a"))
        save_flow(conn, flow("f", "gone", "company"))
        delete_flow(conn, "company", "gone")
        everything = list_flows(conn)
        assert [(f.namespace, f.id, f.revision) for f in everything] == [
            ("company", "f1", 2), ("company.team", "f2", 1), ("company_a", "f4", 1),
            ("companyx", "f3", 1)]
        assert [(f.namespace, f.id) for f in list_flows(conn, "company")] == [
            ("company", "f1"), ("company.team", "f2")]
        assert [f.id for f in list_flows(conn, "company.team")] == ["f2"]
        assert list_flows(conn, "compan") == []


def test_unicode_source_round_trips(db):
    loaded = flow("héllo wörld ✓ 日本語")
    with db.begin() as conn:
        save_flow(conn, loaded)
        assert get_flow(conn, "company.team", "hello").source == loaded.source


# -- executions ----------------------------------------------------------------------------

def test_execution_round_trips_every_field(db):
    ex = execution(
        inputs={"name": "wörld", "nested": {"list": [1, 2.5, None, True, {"x": "ü"}]}},
        outputs={"out": [1, {"a": "b"}]}, labels=[{"key": "team", "value": "data"}],
        variables={"v": 1}, trigger={"id": "schedule", "type": "x", "variables": {"d": "1"}},
        parent_id="parent", original_id="orig", attempt_number=2,
        original_created_date=T0 - timedelta(days=1), schedule_date=T0 + timedelta(hours=1),
        error="boom")
    ex = ex.moved_to(State.RUNNING, T0 + timedelta(seconds=1))
    with db.begin() as conn:
        insert_execution(conn, ex)
    with db.begin() as conn:
        got = get_execution(conn, ex.id)
    assert got.version == 1, "the store owns the row version"
    assert got.model_copy(update={"version": 0}) == ex
    assert got.schedule_date.tzinfo is not None and got.history.start_date == T0
    assert get_execution_none(db)


def get_execution_none(db) -> bool:
    with db.begin() as conn:
        return get_execution(conn, "missing") is None and lock_execution(conn, "missing") is None


def test_null_json_fields_stay_null(db):
    ex = execution()
    with db.begin() as conn:
        insert_execution(conn, ex)
        got = get_execution(conn, ex.id)
    assert got.outputs is None and got.trigger is None and got.variables is None
    assert got.inputs == {} and got.labels == []


def test_json_objects_keep_their_key_order(db):
    """Outputs read back in the task's own order, as the embedded store keeps them (a
    PostgreSQL `jsonb` column would sort the keys: shorter ones first)."""
    given = {"zeta": 1, "a": 2, "middle": {"yy": 1, "b": [{"long-key": 1, "k": 2}]}}
    ex = execution(inputs=given, outputs=given, variables=given)
    run = task_run(ex.id, "t", 0, outputs=given)
    with db.begin() as conn:
        insert_execution(conn, ex)
        insert_task_runs(conn, [run])
    with db.begin() as conn:
        got, got_run = get_execution(conn, ex.id), get_task_run(conn, run.id)
    expected = json.dumps(given)
    for stored in (got.inputs, got.outputs, got.variables, got_run.outputs):
        assert json.dumps(stored) == expected


def test_a_replay_lists_as_created_when_it_was_not_when_its_source_started(db):
    source = execution(at=T0).moved_to(State.RUNNING, T0).moved_to(State.SUCCESS,
                                                                   T0 + timedelta(seconds=1))
    later = T0 + timedelta(hours=1)
    replay = execution(at=later).model_copy(update={"history": StateHistory(
        current=State.CREATED, histories=(*source.history.histories,
                                          StateEntry(state=State.RESTARTED, date=later),
                                          StateEntry(state=State.CREATED, date=later)))})
    with db.begin() as conn:
        insert_execution(conn, source)
        insert_execution(conn, replay)
        assert [e.id for e in list_executions(conn)] == [replay.id, source.id]
        assert [e.id for e in list_executions(conn, since=later)] == [replay.id]
    assert replay.history.start_date == T0


def test_lock_update_and_version(db):
    ex = execution()
    with db.begin() as conn:
        insert_execution(conn, ex)
    with db.begin() as conn:
        locked = lock_execution(conn, ex.id)
        assert locked.model_copy(update={"version": ex.version}) == ex
        running = locked.moved_to(State.RUNNING, T0 + timedelta(seconds=1))
        running = running.model_copy(update={"outputs": {"k": "v"},
                                             "labels": [{"key": "env", "value": "prod"}]})
        update_execution(conn, running)
    with db.begin() as conn:
        got = get_execution(conn, ex.id)
        assert got.version == running.version + 1, "every write bumps the version"
        assert got.model_copy(update={"version": running.version}) == running
        assert got.state is State.RUNNING
        assert list_executions(conn, labels={"env": "prod"}) == [got]
        assert count_executions(conn, "company.team", "hello", [State.RUNNING]) == 1
        assert count_executions(conn, "company.team", "hello", [State.CREATED]) == 0


def test_lock_and_bump_serves_the_known_execution_only_while_nobody_wrote_the_row(db):
    ex = execution()
    with db.begin() as conn:
        insert_execution(conn, ex)
        inserted = get_execution(conn, ex.id)
    with db.begin() as conn:
        first = lock_and_bump_execution(conn, ex.id)
    assert first.version == inserted.version + 1
    # What the caller wrote last, marked so it can be told from a read of the row.
    known = first.model_copy(update={"outputs": {"from": "memory"}})
    with db.begin() as conn:
        served = lock_and_bump_execution(conn, ex.id, known)
    assert served.outputs == {"from": "memory"} and served.version == first.version + 1
    with db.begin() as conn:  # another writer moves the row on: the known one is stale
        update_execution(conn, served.model_copy(update={"outputs": {"from": "store"}}))
    with db.begin() as conn:
        reread = lock_and_bump_execution(conn, ex.id, served)
        assert reread.outputs == {"from": "store"}
        assert reread.version == get_execution(conn, ex.id).version == served.version + 2
        assert lock_and_bump_execution(conn, "missing", served) is None


def test_a_group_bumps_each_execution_once_and_reads_only_what_moved(db):
    a, b = execution(), execution()
    with db.begin() as conn:
        insert_execution(conn, a)
        insert_execution(conn, b)
    with db.begin() as conn:
        versions = lock_and_bump_executions(conn, [b.id, a.id, "missing", a.id])
        assert versions == {a.id: 2, b.id: 2}
        assert get_execution(conn, a.id).version == 2  # moved once, though listed twice
    known = get_execution_in(db, a.id).model_copy(update={"outputs": {"from": "memory"}})
    with db.begin() as conn:
        versions = lock_and_bump_executions(conn, [a.id])
        served = bumped_execution(conn, a.id, versions[a.id], known)
        assert served.outputs == {"from": "memory"} and served.version == 3
    with db.begin() as conn:  # another writer moved the row on: the known one is stale
        update_execution(conn, served.model_copy(update={"outputs": {"from": "store"}}))
    with db.begin() as conn:
        versions = lock_and_bump_executions(conn, [a.id])
        reread = bumped_execution(conn, a.id, versions[a.id], served)
        assert reread.outputs == {"from": "store"} and reread.version == 5


def get_execution_in(db, execution_id: str):
    with db.begin() as conn:
        return get_execution(conn, execution_id)


def test_update_unknown_execution_raises(db):
    with db.begin() as conn, pytest.raises(NotFoundError):
        update_execution(conn, execution())


def test_list_executions_filters(db):
    a = execution(at=T0, labels=[{"key": "team", "value": "data"}, {"key": "env", "value": "p"}])
    b = execution(at=T0 + timedelta(minutes=1), state=State.RUNNING,
                  labels=[{"key": "team", "value": "ops"}])
    c = execution(flow_id="other", at=T0 + timedelta(minutes=2), state=State.SUCCESS)
    d = execution(ns="elsewhere", at=T0 + timedelta(minutes=3), state=State.FAILED)
    with db.begin() as conn:
        for ex in (a, b, c, d):
            insert_execution(conn, ex)

    def ids(**filters):
        with db.begin() as conn:
            return [ex.id for ex in list_executions(conn, **filters)]

    assert ids() == [d.id, c.id, b.id, a.id]  # newest first
    assert ids(namespace="company.team") == [c.id, b.id, a.id]
    assert ids(namespace="company.team", flow_id="hello") == [b.id, a.id]
    assert ids(states=[State.RUNNING, "FAILED"]) == [d.id, b.id]
    assert ids(labels={"team": "data"}) == [a.id]
    assert ids(labels={"team": "data", "env": "p"}) == [a.id]
    assert ids(labels={"team": "data", "env": "q"}) == []
    assert ids(since=T0 + timedelta(minutes=1)) == [d.id, c.id, b.id]
    assert ids(until=T0 + timedelta(minutes=1)) == [a.id]
    assert ids(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)) == [c.id, b.id]
    assert ids(limit=2) == [d.id, c.id]
    assert ids(limit=2, offset=2) == [b.id, a.id]
    with db.begin() as conn:
        assert count_executions(conn, "company.team", None, None) == 3
        assert count_executions(conn, "company.team", "hello", [State.CREATED,
                                                                State.RUNNING]) == 2


def test_naive_datetimes_are_refused(db):
    # SQLAlchemy wraps errors of bind processing: the cause is ours.
    with db.begin() as conn, pytest.raises(StatementError) as caught:
        list_executions(conn, since=datetime(2024, 1, 1))
    assert isinstance(caught.value.orig, NaiveDatetimeError)
    with db.begin() as conn, pytest.raises(StatementError):
        insert_execution(conn, execution(at=datetime(2024, 1, 1)))


def test_other_timezones_are_stored_as_utc(db):
    plus2 = timezone(timedelta(hours=2))
    ex = execution(schedule_date=datetime(2024, 5, 1, 14, 0, tzinfo=plus2))
    with db.begin() as conn:
        insert_execution(conn, ex)
        got = get_execution(conn, ex.id)
    assert got.schedule_date == T0 and got.schedule_date.utcoffset() == timedelta(0)


# -- task runs -----------------------------------------------------------------------------

def test_a_task_run_stored_by_an_earlier_version_reads(db):
    """`flowable` was a dict; the same keys (dates as text) read into FlowableState, so an
    execution started before an upgrade finishes after it."""
    ex = execution()
    old = {"round": 2, "since": "2024-05-01T12:00:00+00:00", "next": None, "ended": "FAILED",
           "condition": True, "iterations": {"0": {"state": "FAILED", "outputs": None}},
           "loop": {"count": 3, "next": 1, "window": 3, "done": {}, "seq": -1},
           "batches": 2, "pending": 1, "ended_by": {"SUCCESS": 1}, "done": "2"}
    row = task_run(ex.id, "w", 0).model_dump(mode="json")
    with db.begin() as conn:
        insert_execution(conn, ex)
        conn.execute(task_runs_table.insert().values(
            id="old", execution_id=ex.id, task_id="w", state="RUNNING", seq=0, updated=T0,
            version=1, history=row["history"], attempts=[], outputs=None, flowable=old))
    with db.read() as conn:
        got = get_task_run(conn, "old").flowable
    assert got == FlowableState(
        round=2, since=T0, ended=State.FAILED, condition=True,
        iterations={"0": IterationEnd(state=State.FAILED)},
        loop={"count": 3, "next": 1, "window": 3, "done": {}, "seq": -1},
        batches=2, pending=1, ended_by={"SUCCESS": 1}, done="2")



def test_task_runs_round_trip_in_seq_order(db):
    ex = execution()
    runs = [task_run(ex.id, "b", 1, value="x", iteration=3, flowable=FlowableState(
                items=[{"value": "ü"}], loop={"count": 2, "done": {"SUCCESS": 1}},
                round=1, since=T0, ended=State.WARNING)),
            task_run(ex.id, "a", 0, outputs={"o": {"deep": [1, 2]}},
                     attempts=[Attempt(number=1, state=State.RUNNING, started=T0)]),
            task_run(ex.id, "c", 2)]
    runs[0] = runs[0].model_copy(update={"parent_task_run_id": runs[1].id})
    with db.begin() as conn:
        insert_execution(conn, ex)
        insert_task_runs(conn, runs)
        insert_task_runs(conn, [])
    with db.begin() as conn:
        loaded = load_task_runs(conn, ex.id)
        assert loaded == [runs[1], runs[0], runs[2]]
        assert get_task_run(conn, runs[0].id) == runs[0]
        assert get_task_run(conn, "missing") is None
        assert load_task_runs_by_task(conn, ex.id, ["c", "a"]) == [runs[1], runs[2]]
        assert load_task_runs_by_task(conn, ex.id, []) == []
        assert load_task_runs(conn, "missing") == []


def test_updating_one_of_1000_task_runs_touches_one_row(db):
    ex = execution()
    runs = [task_run(ex.id, f"t{i}", i) for i in range(1000)]
    with db.begin() as conn:
        insert_execution(conn, ex)
        insert_task_runs(conn, runs)
    changed = runs[500].moved_to(State.RUNNING, T0 + timedelta(seconds=1))
    changed = changed.model_copy(update={
        "attempts": [Attempt(number=1, state=State.RUNNING, started=T0)],
        "outputs": {"x": 1}})
    with db.begin() as conn:
        assert update_task_runs(conn, [changed]) == 1
    with db.begin() as conn:
        versions = {row.id: row.version for row in conn.execute(
            select(task_runs_table.c.id, task_runs_table.c.version))}
        assert sum(versions.values()) == 1001
        assert versions[changed.id] == 2
        assert conn.execute(select(func.count()).where(task_runs_table.c.version > 1)) \
            .scalar_one() == 1
        assert get_task_run(conn, changed.id) == changed
        assert get_task_run(conn, runs[499].id) == runs[499]
        assert update_task_runs(conn, []) == 0


def test_update_task_runs_writes_a_batch(db):
    ex = execution()
    runs = [task_run(ex.id, f"t{i}", i) for i in range(10)]
    with db.begin() as conn:
        insert_execution(conn, ex)
        insert_task_runs(conn, runs)
    changed = [r.moved_to(State.RUNNING, T0 + timedelta(seconds=1)) for r in runs[2:5]]
    with db.begin() as conn:
        assert update_task_runs(conn, changed) == 3
        loaded = load_task_runs(conn, ex.id)
    assert [r.state for r in loaded] == [State.CREATED] * 2 + [State.RUNNING] * 3 + \
        [State.CREATED] * 5


def test_update_unknown_task_run_raises(db):
    ex = execution()
    with db.begin() as conn:
        insert_execution(conn, ex)
    with db.begin() as conn, pytest.raises(NotFoundError):
        update_task_runs(conn, [task_run(ex.id, "ghost", 0)])


def test_task_runs_need_their_execution(db):
    with pytest.raises(IntegrityError):
        with db.begin() as conn:
            insert_task_runs(conn, [task_run("no-such-execution", "t", 0)])


def test_folded_task_runs_leave_the_live_set_and_stay_loadable_by_task(db):
    from podium.common.store.task_runs import load_live_task_runs
    ex = execution()
    runs = [task_run(ex.id, "step" if i else "loop", i, value=str(i) if i else None)
            for i in range(6)]
    with db.begin() as conn:
        insert_execution(conn, ex)
        insert_task_runs(conn, runs)
    folded = [r.model_copy(update={"folded": True}) for r in runs[1:4]]
    with db.begin() as conn:
        assert update_task_runs(conn, folded) == 3
    with db.begin() as conn:
        assert load_live_task_runs(conn, ex.id) == [runs[0], runs[4], runs[5]]
        assert load_task_runs_by_task(conn, ex.id, ["step", "loop"], folded_only=True) == folded
        assert load_task_runs(conn, ex.id) == [runs[0], *folded, runs[4], runs[5]]


def test_loop_values_are_stored_in_chunks_and_read_by_window(db):
    from podium.common.store.loop_values import (
        CHUNK_SIZE,
        copy_loop_values,
        load_loop_values,
        store_loop_values,
    )
    ex = execution()
    values = [f"v{i}" for i in range(CHUNK_SIZE * 2 + 17)]
    with db.begin() as conn:
        insert_execution(conn, ex)
        store_loop_values(conn, ex.id, "loop-run", values)
        store_loop_values(conn, ex.id, "empty-loop", [])
    with db.begin() as conn:
        assert load_loop_values(conn, "loop-run", 0, 3) == (0, values[:CHUNK_SIZE])
        offset, window = load_loop_values(conn, "loop-run", CHUNK_SIZE - 2, CHUNK_SIZE + 2)
        assert offset == 0 and window == values[:CHUNK_SIZE * 2]
        offset, window = load_loop_values(conn, "loop-run", CHUNK_SIZE * 2 + 5, CHUNK_SIZE * 9)
        assert (offset, window) == (CHUNK_SIZE * 2, values[CHUNK_SIZE * 2:])
        assert load_loop_values(conn, "empty-loop", 0, 10) == (0, [])
        assert load_loop_values(conn, "loop-run", 4, 4) == (4, [])
        copy_loop_values(conn, "loop-run", "copied-run", ex.id)
        assert load_loop_values(conn, "copied-run", 0, len(values)) == (0, values)


def test_the_flows_stamp_moves_with_every_write_of_the_flows_and_only_then(db):
    """`flows_stamp` (the executor's and the scheduler's "did flows change?") moves when a
    flow is saved, soft-deleted or has revisions purged, and stays while nothing is written
    to the flows (a save of an unchanged source writes nothing), however many revisions
    are kept."""
    def stamp():
        with db.read() as conn:
            return flows_stamp(conn)

    first = stamp()
    assert stamp() == first
    with db.begin() as conn:
        save_flow(conn, flow("one"))
    saved = stamp()
    assert saved != first
    with db.begin() as conn:
        save_flow(conn, flow("two"))
    second = stamp()
    assert second != saved
    with db.begin() as conn:  # the same source again: no revision, nothing changed
        save_flow(conn, flow("two"))
    assert stamp() == second
    with db.begin() as conn:
        assert delete_revisions(conn, "company.team", "hello", [1]) == 1
    purged = stamp()
    assert purged != second
    with db.begin() as conn:
        delete_flow(conn, "company.team", "hello")
    assert stamp() != purged
    with db.begin() as conn:  # a transaction that rolls back moves nothing
        before = flows_stamp(conn)
    try:
        with db.begin() as conn:
            save_flow(conn, flow("three"))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert stamp() == before
