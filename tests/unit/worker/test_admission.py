"""A task body never runs again without need (worker/admission.py), on a SQLite store and
the in-memory transport: copies of an attempt (a duplicate delivery, the outbox sweeper's
republish, the broker's redelivery) are dropped before they run, unless the attempt still
needs them; a worker that was silent checks what it holds against the store."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from podium.common.heartbeat import new_instance
from podium.common.messages import RunTask
from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.state import State, StateHistory
from podium.common.outbox_relay import OutboxRelay
from podium.common.store import Database, insert_execution, insert_task_runs, upgrade_database
from podium.common.store.outbox import enqueue_for_publish
from podium.common.store.services import DEAD, beat
from podium.common.transport import InProcessTransport
from podium.common.transport.base import (
    EXECUTOR_QUEUE,
    LAPSED,
    RESENT,
    WORKER_QUEUE,
    TakenClaim,
    handling_redelivery,
    handling_taken_claim,
)
from podium.worker.admission import DONE, claim_name
from podium.worker.service import WorkerService
from podium.worker.silence import SilenceWatch
from tests.waiting import wait_for

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def store(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(db)
    return db


def task_run(db: Database, attempt_state: State = State.RUNNING) -> RunTask:
    """An execution with one task run whose attempt 1 is in `attempt_state`, and its RunTask."""
    execution = Execution(namespace="n", flow_id="f", flow_revision=1,
                          history=StateHistory.new(NOW))
    run = TaskRun(execution_id=execution.id, task_id="t", history=StateHistory.new(NOW),
                  attempts=[Attempt(number=1, state=attempt_state, started=NOW)])
    run = run.moved_to(State.RUNNING, NOW)
    if attempt_state is not State.RUNNING:
        run = run.moved_to(attempt_state, NOW)
    with db.begin() as conn:
        insert_execution(conn, execution)
        insert_task_runs(conn, [run])
    return RunTask(execution_id=execution.id, task_run_id=run.id, attempt=1,
                   task={"id": "t", "type": "io.kestra.plugin.core.log.Log", "message": "hi"},
                   context={}, namespace="n", flow_id="f", flow_revision=1)


def worker(db, transport, worker_id: str) -> WorkerService:
    return WorkerService(db, transport, worker_id=worker_id)


def results(transport: InProcessTransport) -> int:
    """Bodies run: each ends with a TaskResult on the executor queue."""
    return transport.pending(EXECUTOR_QUEUE)


def redelivered(service: WorkerService, message: RunTask, why: str = RESENT) -> None:
    token = handling_redelivery(why)
    try:
        service.handle(message.encode())
    finally:
        token.var.reset(token)


def test_a_copy_runs_once_on_one_worker_and_across_workers(tmp_path):
    db, transport = store(tmp_path), InProcessTransport()
    message = task_run(db)
    first, second = worker(db, transport, "w1"), worker(db, transport, "w2")
    first.handle(message.encode())
    first.handle(message.encode())  # delivered twice to the same worker
    second.handle(message.encode())  # and to another one
    assert results(transport) == 1
    assert transport.claim(claim_name(message), "w3", 60) == DONE


def test_copies_delivered_at_once_to_several_workers_run_once(tmp_path):
    db, transport = store(tmp_path), InProcessTransport()
    message = task_run(db)
    services = [worker(db, transport, f"w{i}") for i in range(4)]
    threads = [threading.Thread(target=s.handle, args=(message.encode(),)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results(transport) == 1


def test_the_sweeper_republishing_a_finished_attempt_does_not_run_it_again(tmp_path):
    # An executor published the RunTask, the attempt ran and ended, and the executor died
    # before deleting the outbox row: another executor's sweeper republishes it.
    db, transport = store(tmp_path), InProcessTransport()
    message = task_run(db, State.SUCCESS)
    with db.begin() as conn:
        enqueue_for_publish(conn, [(WORKER_QUEUE, message.encode())])
    assert OutboxRelay(db, transport, grace_seconds=-5).sweep() == 1
    stop = threading.Event()
    consumer = threading.Thread(target=transport.consume,
                                args=([WORKER_QUEUE], worker(db, transport, "w2").handle),
                                kwargs={"stop": stop}, daemon=True)
    consumer.start()
    wait_for(lambda: transport.pending(WORKER_QUEUE) == 0, 10, "the republished RunTask taken")
    stop.set()
    consumer.join(10)
    assert results(transport) == 0


def held_by_a_live_worker(db, transport, message: RunTask):
    """`message`'s attempt claimed by w-old, whose heartbeat row lists it."""
    holder = new_instance("worker").but(id="w-old", running=[
        {"execution_id": message.execution_id, "task_run_id": message.task_run_id,
         "attempt": 1}])
    with db.begin() as conn:
        beat(conn, holder)
    assert transport.claim(claim_name(message), "w-old", 60) is None
    return holder


def test_a_republished_copy_runs_unless_its_holder_lives_and_runs_it(tmp_path):
    db, transport = store(tmp_path), InProcessTransport()
    message = task_run(db)
    holder = held_by_a_live_worker(db, transport, message)
    service = worker(db, transport, "w2")
    redelivered(service, message)  # the sweeper's copy; w-old is alive and lists it
    assert results(transport) == 0
    with db.begin() as conn:
        beat(conn, holder.but(state=DEAD))  # as an executor claiming it silent leaves it
    redelivered(service, message)  # w-old died with it: taken over and run
    assert results(transport) == 1
    assert transport.claim(claim_name(message), "w3", 60) == DONE


def test_a_message_the_broker_gave_back_is_taken_over_from_its_holder(tmp_path):
    # Its holder stopped renewing it (dead, whatever its row still says): the attempt is
    # still open, so it runs here.
    db, transport = store(tmp_path), InProcessTransport()
    message = task_run(db)
    held_by_a_live_worker(db, transport, message)
    redelivered(worker(db, transport, "w2"), message, LAPSED)
    assert results(transport) == 1


def test_a_redelivery_of_a_closed_attempt_is_dropped_even_without_a_claim(tmp_path):
    db, transport = store(tmp_path), InProcessTransport()
    message = task_run(db, State.KILLED)
    redelivered(worker(db, transport, "w1"), message)
    assert results(transport) == 0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_worker_that_was_silent_checks_its_messages_against_the_store(tmp_path):
    db, transport = store(tmp_path), InProcessTransport()
    killed, running = task_run(db, State.KILLED), task_run(db)
    service, clock = worker(db, transport, "w1"), Clock()
    service.silence = SilenceWatch(gap=2.0, suspect_for=10.0, clock=clock)
    clock.now += 30  # frozen: the ticking thread did not run
    assert service.silence.suspect()
    service.handle(killed.encode())  # received before the freeze, killed meanwhile
    assert results(transport) == 0
    assert service.silence.tick()  # the ticking thread runs again: still suspicious a while
    for _ in range(5):
        clock.now += 1
        assert not service.silence.tick()
    assert service.silence.suspect()
    service.handle(running.encode())  # still open: runs
    assert results(transport) == 1
    for _ in range(6):
        clock.now += 1
        service.silence.tick()
    assert not service.silence.suspect()


def test_attempts_closed_while_the_worker_was_silent_are_stopped(tmp_path):
    db, transport = store(tmp_path), InProcessTransport()
    closed, still = task_run(db, State.KILLED), task_run(db)
    service = worker(db, transport, "w1")
    events = [service._register(closed), service._register(still)]
    watch = SilenceWatch(clock=Clock())
    watch.on_silence = service.stop_closed_attempts
    watch.declared_dead()
    assert [event.is_set() for event in events] == [True, False]
    assert watch.suspect()


def test_the_claim_its_consumer_made_at_take_stands_for_the_workers_own(tmp_path):
    """A consumer that claimed the attempt as it took the message (`claimed_at_take`) saves
    the worker its claim: a copy held elsewhere is dropped on that word alone; a claim made
    for another attempt or another worker is not trusted, the worker claims itself."""
    db, transport = store(tmp_path), InProcessTransport()
    message = task_run(db)
    w = worker(db, transport, "w1")
    held_elsewhere = TakenClaim(name=claim_name(message), claimant="w1", holder="w2")
    token = handling_taken_claim(held_elsewhere)
    try:
        assert not w.admission.admit(message, "w1", check_store=False)
    finally:
        token.var.reset(token)
    assert transport.claim(claim_name(message), "probe", 60) is None  # never claimed here
    transport.release(claim_name(message), "probe")
    for foreign in (TakenClaim(name="run_task:other:1", claimant="w1", holder="w2"),
                    TakenClaim(name=claim_name(message), claimant="w9", holder="w2")):
        token = handling_taken_claim(foreign)
        try:
            assert w.admission.admit(message, "w1", check_store=False)
        finally:
            token.var.reset(token)
        assert transport.claim(claim_name(message), "probe", 60) == "w1"
        w.admission.give_up(message, "w1")
