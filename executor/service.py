"""The executor service: one handler for every message of the executor queue.

For each message: lock the execution's row, load its task runs and its flow revision, run
the pure `process()`, persist the Decision (changed rows only, logs, timers and the
outgoing messages in the outbox), commit, and only then publish. Several executor
replicas are safe: the row lock serialises the messages of one execution. What handles
each message and writes each command is listed in executor/wiring.py.

Beside the handler, the service composes its background loops, each in its own module:
the timer loop (executor/timers.py), the liveness round (executor/liveness.py) and the
lost-message recovery it triggers (executor/lost_recovery.py), and the outbox relay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Callable

from podium.common.messages import (
    LogLine,
    ResubmitAttempt,
    StartExecution,
    TaskResult,
    TimerFired,
    decode_executor_message,
)
from podium.common.models.state import State
from podium.common.observability import metrics
from podium.common.outbox_relay import OutboxRelay
from podium.common.store import (
    Database,
    append_logs,
    delete_timer,
    insert_task_runs,
    load_task_runs,
    load_task_runs_by_task,
    lock_and_bump_execution,
    update_execution,
    update_task_runs,
)
from podium.common.store.logs import LogEntry
from podium.common.store.loop_values import load_loop_values
from podium.common.store.outbox import enqueue_for_publish
from podium.common.store.slots import count_released, count_slots_taken, lock_flow_slots
from podium.common.store.task_runs import delete_task_runs, load_live_task_runs
from podium.common.store.types import utcnow
from podium.common.transport.base import KILL_CHANNEL, Transport
from podium.executor.engine.commands import Decision
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.facts import Facts
from podium.executor.engine.loops import value_windows
from podium.executor.engine.process import process
from podium.executor.flow_cache import FlowCache
from podium.executor.flow_triggers.listeners import ListenerIndex, on_state_change
from podium.executor.liveness import Liveness
from podium.executor.lost_recovery import LostMessageRecovery
from podium.executor.metrics import Observed, observe, record
from podium.executor.outgoing import Outgoing
from podium.executor.run_cache import TaskRunCache
from podium.executor.timers import TimerLoop
from podium.executor.wiring import ENGINE, PERSISTERS

log = logging.getLogger(__name__)


# A render can need the folded runs of more tasks than the first load gave; each load
# adds at least one task id, and flows are small: a few rounds at most.
MAX_FOLDED_LOADS = 8


class _NothingToWrite(Exception):
    """Raised inside the transaction to roll it back (the version bump included)."""


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
        self.config = config or EngineConfig()
        self.clock = clock
        self.counters: Counter[str] = Counter()
        # Caches owned by this service (none outlives it): parsed flows, the flows that
        # listen to executions with a Flow trigger, the task runs of recent executions.
        self.flows = FlowCache()
        self.listeners = ListenerIndex(self.flows)
        self.runs = TaskRunCache()
        self.relay = OutboxRelay(db, transport)
        self.timers = TimerLoop(db, self.relay, clock, timedelta(seconds=timer_refire_seconds))
        self.recovery = LostMessageRecovery(db, transport, self.relay, self.flows, self.config,
                                            self.counters)
        self.liveness = Liveness(db, self.relay, clock, self.recovery, self.counters)

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
            self.timers.alarm.expect(due)
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
        if type(message) in ENGINE.needs_all_runs:
            runs, loaded = load_task_runs(conn, execution.id), True
        for _ in range(MAX_FOLDED_LOADS):
            before = [*runs, *folded]
            decision = process(flow, execution, before, message, self.clock(),
                               self.config, facts=facts, folded_loaded=loaded, wiring=ENGINE)
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
        out = Outgoing(config=self.config, flows=self.flows)
        for command in decision.commands:
            for persister in PERSISTERS.get(type(command), ()):  # executor/wiring.py
                persister(conn, execution, command, out)
        if moved:
            on_state_change(conn, before, execution, self.config, out, self.listeners)
        return enqueue_for_publish(conn, out.messages), out

    @staticmethod
    def _log_entry(execution, task_ids: dict, task_run_id, level, message) -> LogEntry:
        # The task id too (Kestra's LogEntry has it): errorLogs() and log filters read it.
        return LogEntry(execution_id=execution.id, task_run_id=task_run_id,
                        task_id=task_ids.get(task_run_id),
                        attempt=None, level=level, message=message, timestamp=utcnow(),
                        namespace=execution.namespace, flow_id=execution.flow_id)

    # ------------------------------------------------------------------ background
    def resend_lost_messages(self) -> int:
        """What a consumer took with it, sent again (the broker lost its data, a test)."""
        return self.recovery.resend()

    def wake(self) -> None:
        """`run_background`'s stop event was set: end its loops' sleeps now."""
        self.timers.alarm.wake()
        self.relay.wake()

    def run_background(self, stop: threading.Event, timer_poll_seconds: float = 0.25,
                       outbox_sweep_seconds: float = 5.0,
                       worker_timeout_seconds: float | None = None) -> list:
        """Timer firing, outbox cleanup and (given a timeout) silent-worker detection;
        none of them is on the message hot path."""
        threads = [self.timers.start(stop, timer_poll_seconds)]
        if worker_timeout_seconds is not None:
            threads.append(self.liveness.start(stop, worker_timeout_seconds))
        return [*threads, self.relay.run_background(stop, sweep_every=outbox_sweep_seconds)]
