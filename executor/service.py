"""The executor service: one handler for every message of the executor queue.

For each message: lock the execution's row, load its task runs and its flow revision, run
the pure `process()`, persist the Decision (changed rows only, logs, timers and the
outgoing messages in the outbox), commit, and only then publish. Several executor
replicas are safe: the row lock serialises the messages of one execution.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from common.messages import (
    KillTask,
    LogLine,
    ResubmitAttempt,
    RunTask,
    StartExecution,
    TaskResult,
    TimerFired,
    decode_executor_message,
)
from common.models.state import State
from common.observability import metrics
from common.outbox_relay import OutboxRelay
from common.store import (
    Database,
    add_timer,
    append_logs,
    delete_timer,
    delete_timers,
    get_execution,
    insert_execution,
    insert_task_runs,
    load_task_runs,
    load_task_runs_by_task,
    lock_and_bump_execution,
    next_timer_at,
    take_due_timers,
    update_execution,
    update_task_runs,
)
from common.store.logs import LogEntry
from common.store.loop_values import copy_loop_values, load_loop_values, store_loop_values
from common.store.outbox import enqueue_for_publish
from common.store.services import claim_silent_services, forget_dead_services
from common.store.slots import count_released, count_slots_taken, lock_flow_slots
from common.store.task_cache import put_task_cache
from common.store.task_runs import delete_task_runs, load_live_task_runs
from common.store.timers import defer_timers
from common.store.types import utcnow
from common.transport.base import EXECUTOR_QUEUE, KILL_CHANNEL, Transport
from executor.engine.commands import (
    CancelTimers,
    CreateExecution,
    Decision,
    DispatchTask,
    KillRunningTasks,
    ScheduleTimer,
    StoreLoopValues,
    StoreTaskCache,
    WriteFile,
)
from executor.engine.context import EngineConfig
from executor.engine.facts import Facts
from executor.engine.loops import value_windows
from executor.engine.process import NEEDS_ALL_RUNS, process
from executor.flow_cache import FlowCache
from executor.flow_triggers.listeners import on_state_change
from executor.lost_messages import (
    LOST_SCAN_SECONDS,
    Lost,
    OpenAttempt,
    Unstarted,
    find_lost_messages,
)
from executor.metrics import Observed, observe, record
from executor.run_cache import TaskRunCache
from executor.store_watch import StoreWatch
from executor.timer_alarm import TimerAlarm

log = logging.getLogger(__name__)


# The services that take messages off queues: one dying may take some with it.
CONSUMERS = frozenset({"worker", "executor"})

# DEAD service rows stay listed (`podium sys services --all`) this long.
DEAD_ROWS_KEPT = timedelta(days=1)

# A render can need the folded runs of more tasks than the first load gave; each load
# adds at least one task id, and flows are small: a few rounds at most.
MAX_FOLDED_LOADS = 8

# Due timers taken per round; a full round is followed by another at once.
TIMER_BATCH = 200
# After a round that took no timer, the least pause before the next (seconds).
HELD_TIMER_PAUSE = 0.02


class _NothingToWrite(Exception):
    """Raised inside the transaction to roll it back (the version bump included)."""


@dataclass
class Outgoing:
    """What a handled message sends once its transaction commits."""

    messages: list[tuple[str, dict]] = field(default_factory=list)  # (queue, payload), outbox
    broadcasts: list[dict] = field(default_factory=list)  # kill channel, best effort
    config: EngineConfig = field(default_factory=EngineConfig)  # for persisters that need it
    timers_due: list[datetime] = field(default_factory=list)  # wake the timer loop for them


# Command type -> how it is written in the deciding transaction: (conn, execution,
# command, outgoing) -> None. Feature modules add theirs with `persists`.
COMMAND_PERSISTERS: dict[type, list[Callable[..., None]]] = {}


def persists(command_type: type) -> Callable:
    def register(function: Callable) -> Callable:
        COMMAND_PERSISTERS.setdefault(command_type, []).append(function)
        return function
    return register


def run_task_message(execution, command: DispatchTask) -> tuple[str, dict]:
    message = RunTask(execution_id=execution.id, task_run_id=command.task_run.id,
                      attempt=command.attempt, task=command.task, context=command.context,
                      namespace=execution.namespace, flow_id=execution.flow_id,
                      flow_revision=execution.flow_revision)
    return command.queue, message.encode()


@persists(DispatchTask)
def _dispatch(conn, execution, command: DispatchTask, out: Outgoing) -> None:
    out.messages.append(run_task_message(execution, command))


@persists(ScheduleTimer)
def _timer(conn, execution, command: ScheduleTimer, out: Outgoing) -> None:
    add_timer(conn, execution.id, command.fire_at, command.kind,
              {"task_run_id": command.task_run_id}, timer_id=command.timer_id)
    out.timers_due.append(command.fire_at)


@persists(CancelTimers)
def _cancel_timers(conn, execution, command: CancelTimers, out: Outgoing) -> None:
    delete_timers(conn, execution.id, command.kind)


@persists(StoreLoopValues)
def _loop_values(conn, execution, command: StoreLoopValues, out: Outgoing) -> None:
    store_loop_values(conn, execution.id, command.task_run_id, command.values)


@persists(WriteFile)
def _write_file(conn, execution, command: WriteFile, out: Outgoing) -> None:
    # Before the commit: a rolled back decision leaves an unreferenced file, never a
    # reference to a missing one.
    out.config.write_file(command.uri, command.content)


@persists(StoreTaskCache)
def _task_cache(conn, execution, command: StoreTaskCache, out: Outgoing) -> None:
    put_task_cache(conn, execution.namespace, execution.flow_id, command.task_id, command.key,
                   command.outputs, command.created)


@persists(CreateExecution)
def _create_execution(conn, execution, command: CreateExecution, out: Outgoing) -> None:
    if get_execution(conn, command.execution.id) is not None:
        return  # a redelivered message (e.g. a replay) already created it
    insert_execution(conn, command.execution)
    insert_task_runs(conn, list(command.task_runs))
    for source_run_id, copy_run_id in command.loop_values_from:
        copy_loop_values(conn, source_run_id, copy_run_id, command.execution.id)
    out.messages.append((EXECUTOR_QUEUE, StartExecution(execution_id=command.execution.id).encode()))


@persists(KillRunningTasks)
def _kill_tasks(conn, execution, command: KillRunningTasks, out: Outgoing) -> None:
    out.broadcasts.extend(KillTask(execution_id=execution.id, task_run_id=run_id,
                                   attempt=attempt).encode()
                          for run_id, attempt in command.attempts)


def worker_log(execution, line: LogLine) -> LogEntry:
    """A log line a worker sent with its result (worker/service.py `_tail_logs`)."""
    return LogEntry(execution_id=execution.id, task_run_id=line.task_run_id,
                    task_id=line.task_id, attempt=line.attempt,
                    level=line.level, message=line.message, timestamp=line.timestamp,
                    namespace=execution.namespace, flow_id=execution.flow_id)


def slots_taken(conn, flow, execution, message) -> int | None:
    """Before a start of an execution of a flow with `concurrency`: take the flow's slot
    lock (held to commit: two executors cannot both take the last slot) and count the
    slots taken by the flow's other executions, and those released to queued ones."""
    starting = isinstance(message, StartExecution) or (
        isinstance(message, TimerFired) and message.timer_kind == "start")
    if not starting or flow.concurrency is None or execution.state is not State.CREATED:
        return None
    namespace, flow_id = execution.namespace, execution.flow_id
    lock_flow_slots(conn, namespace, flow_id)
    taken = count_slots_taken(conn, namespace, flow_id, excluding=execution.id) \
        + count_released(conn, namespace, flow_id, utcnow(), excluding=execution.id)
    return taken


class ExecutorService:
    def __init__(self, db: Database, transport: Transport, *, config: EngineConfig | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 timer_refire_seconds: float = 120.0) -> None:
        self.db = db
        self.transport = transport
        # A fired timer whose TimerFired is not handled within this fires again.
        self.timer_refire = timedelta(seconds=timer_refire_seconds)
        self.config = config or EngineConfig()
        self.clock = clock
        self.flows = FlowCache()
        self._lost_check_due = False  # a consumer died: look for messages lost with it
        self._next_lost_scan = time.monotonic() + LOST_SCAN_SECONDS  # the safety net
        self.runs = TaskRunCache()
        self.relay = OutboxRelay(db, transport)
        self.counters: Counter[str] = Counter()
        # Called after each round of the timer loop (the management server's liveness).
        self.on_timer_round: Callable[[], None] | None = None
        # When the timer loop looks at the store next (executor/timer_alarm.py).
        self.alarm = TimerAlarm(clock)
        # Whether this executor saw the store long enough to judge silent services.
        self.store_watch = StoreWatch(max_gap=timedelta(seconds=30))

    # ------------------------------------------------------------------ messages
    def handle(self, payload: dict) -> None:
        began = time.perf_counter()
        message = decode_executor_message(payload)
        try:
            handled = self._decide_and_commit(message)
        except Exception:
            # The transaction did not commit: never trust what this attempt remembered.
            self.runs.drop(message.execution_id)
            raise
        m = metrics.get()
        if handled is None:
            m.executor_messages_ignored.labels(message.kind).inc()
            m.executor_message_duration.labels(message.kind).observe(time.perf_counter() - began)
            return
        outgoing, out, observed = handled
        record(observed)  # committed: count it now, whatever publishing does
        self.counters["handled"] += 1
        for due in out.timers_due:  # committed: the timer loop may fire them now
            self.alarm.expect(due)
        self.relay.publish_committed(outgoing)
        for payload_ in out.broadcasts:
            self.transport.broadcast(KILL_CHANNEL, payload_)
        m.executor_messages.labels(message.kind).inc()
        m.executor_message_duration.labels(message.kind).observe(time.perf_counter() - began)

    def _decide_and_commit(self, message) -> tuple[list, Outgoing, Observed] | None:
        """Lock, load, decide, persist, commit. None when the message changed nothing."""
        try:
            with self.db.begin() as conn:
                return self._decide(conn, message)
        except _NothingToWrite:
            if isinstance(message, TimerFired):  # handled, if only to be ignored
                with self.db.begin() as conn:
                    delete_timer(conn, message.timer_id)
            return None  # rolled back: a duplicate or stale message writes nothing

    def _decide(self, conn, message) -> tuple[list, Outgoing, Observed]:
        execution = lock_and_bump_execution(conn, message.execution_id)
        if execution is None:
            self.counters["unknown_execution"] += 1
            log.warning("message for unknown execution %s ignored", message.execution_id)
            raise _NothingToWrite
        if isinstance(message, TimerFired) and not delete_timer(conn, message.timer_id):
            self.counters["ignored"] += 1  # its timer fired again and a copy was handled
            raise _NothingToWrite
        flow = self.flows.get(conn, execution.namespace, execution.flow_id,
                              execution.flow_revision)
        runs = self.runs.get(execution.id, execution.version - 1)
        if runs is None:
            runs = load_live_task_runs(conn, execution.id)
        decision, before_runs = self._process(conn, flow, execution, runs, message)
        if decision.ignored:
            self.counters["ignored"] += 1
            # A resubmission that changes nothing is rare and worth seeing in the logs.
            log.log(logging.WARNING if isinstance(message, ResubmitAttempt) else logging.INFO,
                    "%s: %s", message.kind, decision.ignored)
            self.runs.put(execution.id, execution.version - 1, runs)
            raise _NothingToWrite
        if isinstance(message, TaskResult) and message.logs:  # before the lines it caused
            append_logs(conn, [worker_log(execution, line) for line in message.logs])
        outgoing, out = self._persist(conn, decision, execution, before_runs)
        # Remembered before the commit, so another thread of this executor waiting for the
        # row lock finds the cache already at the version it will read. A failed commit
        # drops the entry (see handle).
        self._remember(decision, execution.version, runs)
        # Pure; recorded by `handle` once the transaction committed.
        return outgoing, out, observe(decision, execution, before_runs, flow)

    def _process(self, conn, flow, execution, runs: list, message) -> tuple[Decision, list]:
        """Run the core over the working set; load folded runs when a render needs them.
        Returns the decision and the task runs it was decided over."""
        facts = Facts(slots_taken=slots_taken(conn, flow, execution, message))
        if isinstance(message, TaskResult) and message.logs:  # errorLogs() sees them too
            facts.worker_logs = [worker_log(execution, line) for line in message.logs]
        facts.loop_values = value_windows(
            runs, lambda run_id, start, stop: load_loop_values(conn, run_id, start, stop))
        folded: list = []
        loaded: frozenset[str] | bool = frozenset()
        if type(message) in NEEDS_ALL_RUNS:
            runs, loaded = load_task_runs(conn, execution.id), True
        for _ in range(MAX_FOLDED_LOADS):
            before = [*runs, *folded]
            decision = process(flow, execution, before, message, self.clock(),
                               self.config, facts=facts, folded_loaded=loaded)
            if not decision.needs_folded:
                return decision, before
            loaded = loaded | decision.needs_folded
            folded = load_task_runs_by_task(conn, execution.id, loaded, folded_only=True)
        raise RuntimeError(f"folded runs still missing after {MAX_FOLDED_LOADS} loads")

    def _remember(self, decision: Decision, version: int, before: list) -> None:
        if decision.execution.state.is_terminated:
            self.runs.drop(decision.execution.id)
            return
        changed = {run.id: run for run in (*decision.created, *decision.updated)}
        deleted = set(decision.deleted)
        runs = [changed.pop(run.id, run) for run in before if run.id not in deleted] \
            + list(changed.values())
        self.runs.put(decision.execution.id, version, [run for run in runs if not run.folded])

    def _persist(self, conn, decision: Decision, before, runs: list) -> tuple[list, Outgoing]:
        execution = decision.execution
        if decision.execution_changed:
            update_execution(conn, execution, labels_changed=execution.labels != before.labels,
                             bump_version=False)
        moved = execution.state is not before.state or \
            len(execution.history.histories) != len(before.history.histories)
        if decision.deleted:
            delete_task_runs(conn, decision.deleted)
        insert_task_runs(conn, decision.created)
        update_task_runs(conn, decision.updated)
        if decision.logs:
            task_ids = {run.id: run.task_id for run in (*runs, *decision.created)}
            append_logs(conn, [self._log_entry(execution, task_ids, *entry)
                               for entry in decision.logs])
        out = Outgoing(config=self.config)
        for command in decision.commands:
            for persister in COMMAND_PERSISTERS.get(type(command), ()):
                persister(conn, execution, command, out)
        if moved:
            on_state_change(conn, before, execution, self.config, out)
        return enqueue_for_publish(conn, out.messages), out

    @staticmethod
    def _log_entry(execution, task_ids: dict, task_run_id, level, message) -> LogEntry:
        # The task id too (Kestra's LogEntry has it): errorLogs() and log filters read it.
        return LogEntry(execution_id=execution.id, task_run_id=task_run_id,
                        task_id=task_ids.get(task_run_id),
                        attempt=None, level=level, message=message, timestamp=utcnow(),
                        namespace=execution.namespace, flow_id=execution.flow_id)

    # ------------------------------------------------------------------ timers
    def fire_due_timers(self) -> int:
        """Turn due timers into TimerFired messages (outbox first, like everything else).
        A timer is deleted by the handler of its TimerFired (`_decide`), not here. Tells
        the alarm when the store's earliest timer is due."""
        with self.db.begin() as conn:
            now = self.clock()
            timers = take_due_timers(conn, now, TIMER_BATCH)
            # Kept until the TimerFired is handled: if that message is lost, it fires again.
            defer_timers(conn, [timer.id for timer in timers], now + self.timer_refire)
            messages = [(EXECUTOR_QUEUE, TimerFired(
                execution_id=t.execution_id, timer_id=t.id, timer_kind=t.kind,
                task_run_id=(t.payload or {}).get("task_run_id")).encode()) for t in timers]
            rows = enqueue_for_publish(conn, messages)
            next_due = next_timer_at(conn)
        self.relay.publish_committed(rows)
        self.alarm.settle(next_due)
        return len(timers)

    # ------------------------------------------------------------------ silent workers
    def resubmit_silent_workers(self, timeout_seconds: float) -> int:
        """Claim the services silent for `timeout_seconds` (marked DEAD, once across
        replicas) and send a ResubmitAttempt for each attempt the workers among them were
        running, in the same transaction. Returns the number of attempts resubmitted.
        Nothing is claimed before this executor has watched the store for a whole timeout
        without a gap (executor/store_watch.py)."""
        now = self.clock()
        try:
            with self.db.begin() as conn:
                cutoff = self.store_watch.silent_before(now, timedelta(seconds=timeout_seconds))
                silent = claim_silent_services(conn, cutoff, now) if cutoff else []
                dead = [service for service in silent if service.kind == "worker"]
                forget_dead_services(conn, now - DEAD_ROWS_KEPT)
                messages = [(EXECUTOR_QUEUE, ResubmitAttempt(
                    execution_id=item["execution_id"], task_run_id=item["task_run_id"],
                    attempt=item["attempt"], worker_id=worker.id).encode())
                    for worker in dead for item in worker.running]
                rows = enqueue_for_publish(conn, messages)
        except Exception:
            self.store_watch.lost()
            raise
        self.store_watch.seen(now)
        for service in silent:
            log.warning("%s %s silent since %s: declared dead, %d attempt(s) resubmitted",
                        service.kind, service.id, service.heartbeat_at.isoformat(),
                        len(service.running))
        self.counters["workers_lost"] += len(dead)
        self.counters["attempts_resubmitted"] += len(messages)
        metrics.get().workers_lost.inc(len(dead))
        metrics.get().worker_attempts_resubmitted.inc(len(messages))
        self.relay.publish_committed(rows)
        # Looked for until a look succeeds (the broker may be what failed); and now and
        # then anyway, for a loss nothing else revealed.
        self._lost_check_due |= any(service.kind in CONSUMERS for service in silent) \
            or time.monotonic() >= self._next_lost_scan
        if self._lost_check_due:
            self.resend_lost_messages()
            self._lost_check_due = False
            self._next_lost_scan = time.monotonic() + LOST_SCAN_SECONDS
        return len(messages)

    def resend_lost_messages(self) -> int:
        """Send again what died with a consumer (executor/lost_messages.py): attempts
        resubmitted, StartExecutions and SubflowEndeds repeated; returns how many."""
        lost = find_lost_messages(self.db, self.transport, self.flows)
        if not lost:
            return 0
        with self.db.begin() as conn:
            messages = [(EXECUTOR_QUEUE, message.encode()) for message in
                        (self._resend(conn, item) for item in lost) if message is not None]
            rows = enqueue_for_publish(conn, messages)
        log.warning("messages lost with a dead consumer, sent again: %s",
                    ", ".join(f"{type(item).__name__} {item.marks[0]}" for item in lost[:20]))
        attempts = sum(isinstance(item, OpenAttempt) for item in lost)
        self.counters["attempts_resubmitted"] += attempts
        metrics.get().worker_attempts_resubmitted.inc(attempts)
        self.relay.publish_committed(rows)
        return len(messages)

    def _resend(self, conn, item: Lost):
        if isinstance(item, OpenAttempt):
            return ResubmitAttempt(execution_id=item.execution_id, task_run_id=item.task_run_id,
                                   attempt=item.attempt, lost=True)
        if isinstance(item, Unstarted):
            return StartExecution(execution_id=item.execution_id)
        from executor.persisters.subflow import child_ended_message  # persisters import us
        return child_ended_message(conn, item.child, self.config)

    def wake(self) -> None:
        """`run_background`'s stop event was set: end its loops' sleeps now."""
        self.alarm.wake()
        self.relay.wake()

    def run_background(self, stop: threading.Event, timer_poll_seconds: float = 0.25,
                       outbox_sweep_seconds: float = 5.0,
                       worker_timeout_seconds: float | None = None) -> list:
        """Timer firing, outbox cleanup and (given a timeout) silent-worker detection;
        none of them is on the message hot path."""
        timers = threading.Thread(target=self._timer_loop, args=(stop, timer_poll_seconds),
                                  name="executor-timers", daemon=True)
        timers.start()
        threads = [timers]
        if worker_timeout_seconds is not None:
            # A tenth of the timeout: a dead worker is noticed within 1.1 timeouts.
            self.store_watch.max_gap = timedelta(seconds=worker_timeout_seconds / 2)
            threads.append(self._every(
                stop, max(0.2, worker_timeout_seconds / 10),
                lambda: self.resubmit_silent_workers(worker_timeout_seconds), "liveness"))
        return [*threads, self.relay.run_background(stop, sweep_every=outbox_sweep_seconds)]

    def _timer_loop(self, stop: threading.Event, poll_seconds: float) -> None:
        """Fire due timers, then sleep until the next one is due (`TimerAlarm`)."""
        while not stop.is_set():
            self.alarm.begin_round()
            try:
                fired = self._timer_round()
            except Exception:
                log.exception("executor timers round failed")
                stop.wait(poll_seconds)  # the store is down, likely: do not spin
                continue
            if not fired:
                # A timer due but not taken is held by another executor's round: let it
                # commit rather than spin on it.
                stop.wait(HELD_TIMER_PAUSE)
            self.alarm.wait(poll_seconds)

    def _timer_round(self) -> int:
        try:
            return self.fire_due_timers()
        finally:  # a failed round still proves the loop turns (liveness counts rounds)
            if self.on_timer_round is not None:
                self.on_timer_round()

    @staticmethod
    def _every(stop: threading.Event, seconds: float, action: Callable[[], object],
               name: str) -> threading.Thread:
        def loop() -> None:
            while not stop.wait(seconds):
                try:
                    action()
                except Exception:
                    log.exception("executor %s round failed", name)

        thread = threading.Thread(target=loop, name=f"executor-{name}", daemon=True)
        thread.start()
        return thread


# Feature persisters register themselves on import; keep this last (they use `persists`).
import executor.persisters  # noqa: E402,F401
