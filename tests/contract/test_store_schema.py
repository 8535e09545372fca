"""Contract of the SQL store on SQLite and PostgreSQL: migrations, engine settings, row
locking between concurrent transactions."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import DBAPIError

from podium.common.flow.loader import parse_flow
from podium.common.models.engine_state import EngineState, SubflowLink
from podium.common.models.execution import Execution
from podium.common.models.state import State, StateHistory
from podium.common.store import (
    Database,
    StoreError,
    add_timer,
    current_revision,
    enqueue_messages,
    get_execution,
    get_flow,
    head_revision,
    insert_execution,
    list_revisions,
    lock_execution,
    normalize_url,
    save_flow,
    schema_diff,
    take_due_timers,
    take_messages,
    update_execution,
    upgrade,
    upgrade_database,
)
from podium.common.store.schema import executions, metadata

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def new_execution() -> Execution:
    return Execution(namespace="company.team", flow_id="hello", flow_revision=1,
                     history=StateHistory.new(T0))


# -- migrations ----------------------------------------------------------------------------

def test_upgrade_creates_the_schema_and_a_second_upgrade_is_a_no_op(empty_url):
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    assert current_revision(empty_url) == head_revision() is not None
    with Database(empty_url) as db:
        assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
        with db.begin() as conn:
            save_flow(conn, parse_flow("id: f\nnamespace: n\ntasks:\n  - id: t\n"
                                       "    type: io.kestra.plugin.core.log.Log\n"
                                       "    message: hi\n"))
    upgrade(empty_url)
    assert current_revision(empty_url) == head_revision()
    with Database(empty_url) as db, db.begin() as conn:
        assert get_flow(conn, "n", "f").revision == 1


def test_migrations_match_the_table_metadata(db):
    with db.begin() as conn:
        assert schema_diff(conn) == []


def test_migration_0008_moves_engine_bookkeeping_out_of_the_variables(empty_url):
    """A row an earlier version wrote, its bookkeeping among the user's `vars`, reads after
    the upgrade with the bookkeeping in the engine state and only `vars` left."""
    upgrade(empty_url, "0007")
    old = {"vars": {"name": "Ada"}, "callChain": ["n.parent", "n.child"],
           "subflow": {"taskRunId": "tr1", "wait": True, "iteration": 2},
           "pendingFinalState": "FAILED", "slaViolations": ["max"], "retriedAs": "r2",
           "killRequest": "k1", "resumeRequest": "q1"}
    row = new_execution().model_dump(mode="json")
    with Database(empty_url) as db, db.begin() as conn:
        conn.execute(insert(executions).values(
            id="old", namespace="n", flow_id="child", flow_revision=1, state="RUNNING",
            created=T0, updated=T0, version=1, history=row["history"], inputs={}, labels=[],
            variables=old, attempt_number=1))
    upgrade(empty_url)
    with Database(empty_url) as db, db.read() as conn:
        got = get_execution(conn, "old")
        stored = conn.execute(select(executions.c.variables, executions.c.engine)).one()
    assert got.variables == {"vars": {"name": "Ada"}} == stored.variables
    assert got.engine == EngineState(
        call_chain=["n.parent", "n.child"],
        subflow=SubflowLink(task_run_id="tr1", wait=True, iteration=2),
        pending_final_state=State.FAILED, sla_violations=["max"], retried_as="r2",
        kill_request="k1", resume_request="q1")
    assert stored.engine["subflow"] == {"task_run_id": "tr1", "wait": True, "iteration": 2}


def test_an_execution_without_bookkeeping_stores_no_engine_state(db):
    execution = new_execution()
    with db.begin() as conn:
        insert_execution(conn, execution)
    with db.read() as conn:
        assert conn.execute(select(executions.c.engine)).scalar() is None
        assert get_execution(conn, execution.id).engine == EngineState()


# -- engine settings -----------------------------------------------------------------------

def test_sqlite_connection_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'settings.db'}"
    with Database(url, busy_timeout=5) as db, db.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_sqlite_write_transactions_take_the_lock_up_front(tmp_path):
    url = f"sqlite:///{tmp_path / 'immediate.db'}"
    upgrade(url)
    with Database(url, busy_timeout=0.2) as db, db.begin():
        # The first transaction has not written anything, yet a second writer is refused.
        started = time.monotonic()
        with pytest.raises(DBAPIError, match="locked"):
            with db.begin():
                pass
        assert time.monotonic() - started >= 0.15
        with db.read() as reader:  # readers are not blocked
            assert get_execution(reader, "nope") is None


def test_database_urls():
    assert normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(StoreError):
        Database("mysql://u@h/d")
    with pytest.raises(StoreError):
        Database("postgresql+psycopg2://u@h/d")


@pytest.mark.service
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgres_read_transactions_are_read_only(db):
    with pytest.raises(DBAPIError, match="read-only"):
        with db.read() as conn:
            insert_execution(conn, new_execution())


# -- concurrency ---------------------------------------------------------------------------

def test_second_locker_waits_until_the_first_commits(db):
    """Two handlers lock the same execution: the second gets it only after the first has
    committed, and sees the first one's write."""
    ex = new_execution()
    with db.begin() as conn:
        insert_execution(conn, ex)
    first_holds, second_trying = threading.Event(), threading.Event()
    timeline: dict[str, float] = {}
    seen_by_second: list[State] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with db.begin() as conn:
                locked = lock_execution(conn, ex.id)
                first_holds.set()
                second_trying.wait(5)
                time.sleep(0.4)  # the second one is now blocked on the lock
                update_execution(conn, locked.moved_to(State.RUNNING, T0))
                timeline["first_commits"] = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def second() -> None:
        try:
            first_holds.wait(5)
            second_trying.set()
            timeline["second_tries"] = time.monotonic()
            with db.begin() as conn:
                locked = lock_execution(conn, ex.id)
                timeline["second_locked"] = time.monotonic()
                seen_by_second.append(locked.state)
                update_execution(conn, locked.moved_to(State.SUCCESS, T0))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert timeline["second_tries"] < timeline["first_commits"] <= timeline["second_locked"]
    assert timeline["second_locked"] - timeline["second_tries"] >= 0.3
    assert seen_by_second == [State.RUNNING]
    with db.begin() as conn:
        assert get_execution(conn, ex.id).state is State.SUCCESS


@pytest.mark.service
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_take_skips_rows_another_transaction_holds(db):
    ex = new_execution()
    with db.begin() as conn:
        insert_execution(conn, ex)
        enqueue_messages(conn, [("q", {"n": i}) for i in range(4)])
        for minute in range(4):
            add_timer(conn, ex.id, T0 + timedelta(minutes=minute), "retry",
                      timer_id=f"t{minute}")
    with db.begin() as one:
        held = take_messages(one, 2)
        held_timers = take_due_timers(one, T0 + timedelta(hours=1), 2)
        with db.begin() as two:  # would block without SKIP LOCKED
            other = take_messages(two, 10)
            other_timers = take_due_timers(two, T0 + timedelta(hours=1), 10)
    assert [m.payload["n"] for m in held] == [0, 1]
    assert [m.payload["n"] for m in other] == [2, 3]
    assert [t.id for t in held_timers] == ["t0", "t1"]
    assert [t.id for t in other_timers] == ["t2", "t3"]


def test_concurrent_saves_of_one_flow_get_distinct_revisions(db):
    sources = [parse_flow("id: f\nnamespace: n\ntasks:\n  - id: t\n"
                          "    type: io.kestra.plugin.core.log.Log\n"
                          f"    message: m{i}\n") for i in range(4)]
    barrier = threading.Barrier(len(sources))
    errors: list[BaseException] = []

    def save(loaded) -> None:
        try:
            barrier.wait(5)
            with db.begin() as conn:
                save_flow(conn, loaded)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(s,)) for s in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    with db.begin() as conn:
        revisions = list_revisions(conn, "n", "f")
    assert [r.revision for r in revisions] == [1, 2, 3, 4]
    assert sorted(r.source for r in revisions) == sorted(s.source for s in sources)


def test_concurrent_upgrades_do_not_collide(empty_url):
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(empty_url)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert current_revision(empty_url) == head_revision()


def test_in_memory_sqlite_is_migrated_through_its_own_engine():
    with Database("sqlite://") as db:
        upgrade_database(db)
        upgrade_database(db)
        ex = new_execution()
        with db.begin() as conn:
            insert_execution(conn, ex)
        with db.read() as conn:
            assert get_execution(conn, ex.id).model_copy(update={"version": ex.version}) == ex
            assert schema_diff(conn) == []
