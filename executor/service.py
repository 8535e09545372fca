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
    bumped_execution,
    delete_timer,
    load_task_runs,
    load_task_runs_by_task,
    lock_and_bump_execution,
    lock_and_bump_executions,
    unbump_execution,
)
from podium.common.store.logs import LogEntry
from podium.common.store.slots import count_released, count_slots_taken, lock_flow_slots
from podium.common.store.task_runs import delete_task_runs, load_live_task_runs
from podium.common.store.types import utcnow
from podium.common.transport.base import EXECUTOR_QUEUE, KILL_CHANNEL, Transport
from podium.executor.engine.commands import Decision
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.facts import Facts
from podium.executor.engine.loops import value_windows
from podium.executor.engine.process import process
from podium.executor.flow_cache import FlowCache
from podium.executor.flow_triggers.listeners import ListenerIndex, on_state_change
from podium.executor.group_commit import Entry, GroupCommit
from podium.executor.liveness import Liveness
from podium.executor.loop_value_cache import LoopValueCache
from podium.executor.lost_recovery import LostMessageRecovery
from podium.executor.metrics import Observed, observe, record
from podium.executor.outgoing import Outgoing
from podium.executor.run_cache import TaskRunCache
from podium.executor.timers import TimerLoop
from podium.executor.wiring import ENGINE, PERSISTERS
from podium.executor.writes import FlushingConnection, Writes

log = logging.getLogger(__name__)


# A render can need the folded runs of more tasks than the first load gave; each load
# adds at least one task id, and flows are small: a few rounds at most.
MAX_FOLDED_LOADS = 8
# Consumer threads of a transport that takes messages in batches (`consume`).
BATCH_CONSUMERS = 1


class _NothingToWrite(Exception):
    """Raised inside the transaction to roll it back (the version bump included). Carries
    the execution's working set when it had one, which the caller keeps in its cache at
    the version its transaction leaves: the one before, rolled back alone; the bumped one
    in a group commit, which cannot roll back one message alone (`_decide_in_group`)."""

    def __init__(self, execution_id: str | None = None, version: int = 0,
                 runs: list | None = None, execution=None) -> None:
        super().__init__(execution_id)
        self.execution_id, self.version, self.runs = execution_id, version, runs
        self.execution = execution


def worker_log(execution, line: LogLine) -> LogEntry:
    """A log line a worker sent with its result (worker/service.py `_tail_logs`)."""
    return LogEntry(execution_id=execution.id, task_run_id=line.task_run_id,
                    task_id=line.task_id, attempt=line.attempt,
                    level=line.level, message=line.message, timestamp=line.timestamp,
                    namespace=execution.namespace, flow_id=execution.flow_id)


def slots_taken(writes: Writes, flow, execution, message) -> int | None:
    """Before a start of an execution of a flow with `concurrency`: take the flow's slot
    lock (held to commit: two executors cannot both take the last slot) and count the
    slots taken by the flow's other executions, and those released to queued ones."""
    starting = isinstance(message, StartExecution) or (
        isinstance(message, TimerFired) and message.timer_kind == "start")
    if not starting or flow.concurrency is None or execution.state is not State.CREATED:
        return None
    namespace, flow_id = execution.namespace, execution.flow_id
    writes.flush()  # the slots count other executions' states: the group's too
    conn = writes.conn
    lock_flow_slots(conn, namespace, flow_id)
    taken = count_slots_taken(conn, namespace, flow_id, excluding=execution.id) \
        + count_released(conn, namespace, flow_id, utcnow(), excluding=execution.id)
    return taken


def _stored_without_runs(message, execution) -> bool:
    """An execution stored with no task runs and not started since has none to load."""
    return isinstance(message, StartExecution) and message.without_runs and \
        execution.state is State.CREATED


class ExecutorService:
    def __init__(self, db: Database, transport: Transport, *, config: EngineConfig | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 timer_refire_seconds: float = 120.0, max_group: int = 32) -> None:
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
        self.loop_values = LoopValueCache()
        self.relay = OutboxRelay(db, transport)
        self.timers = TimerLoop(db, self.relay, clock, timedelta(seconds=timer_refire_seconds))
        self.recovery = LostMessageRecovery(db, transport, self.relay, self.flows, self.config,
                                            self.counters)
        self.liveness = Liveness(db, self.relay, clock, self.recovery, self.counters)
        self.group = GroupCommit(self._decide_group, max_group)

    # ------------------------------------------------------------------ messages
    def handle(self, payload: dict) -> None:
        began = time.perf_counter()
        message = decode_executor_message(payload)
        try:
            handled = self.group.run(message)
        except Exception:
            # The transaction did not commit: never trust what this attempt remembered.
            self._forget(message.execution_id)
            raise
        self._committed([Entry(message, result=handled)], began)

    def handle_batch(self, payloads: list[dict]) -> list[BaseException | None]:
        """Messages taken together from the queue (`Transport.consume_batches`): decided in
        one transaction, their messages published in one round trip. Returns each one's
        outcome: None, or what it raised (its message is then redelivered)."""
        began = time.perf_counter()
        outcomes: list[BaseException | None] = [None] * len(payloads)
        entries: list[tuple[int, Entry]] = []
        for index, payload in enumerate(payloads):
            try:
                entries.append((index, Entry(decode_executor_message(payload))))
            except Exception as exc:  # noqa: BLE001 - this message's own failure
                outcomes[index] = exc
        group = [entry for _, entry in entries]
        if group:
            try:
                self._decide_group(group)
            except Exception as exc:  # noqa: BLE001 - each message learns the outcome
                for entry in group:
                    entry.error = exc
        handled = []
        for index, entry in entries:
            if entry.error is not None:
                self._forget(entry.message.execution_id)
                outcomes[index] = entry.error
            else:
                handled.append((index, entry))
        try:
            self._committed([entry for _, entry in handled], began)
        except Exception as exc:  # noqa: BLE001 - not published: redelivering is harmless
            for index, _ in handled:
                outcomes[index] = exc
        return outcomes

    def _committed(self, entries: list[Entry], began: float) -> None:
        """After the commit of `entries`' decisions (None: ignored): count them, publish
        what they send."""
        m = metrics.get()
        outgoing: list = []
        broadcasts: list = []
        handled: list[str] = []
        for entry in entries:
            kind = entry.message.kind
            if entry.result is None:
                m.executor_messages_ignored.labels(kind).inc()
                m.executor_message_duration.labels(kind).observe(time.perf_counter() - began)
                continue
            messages, out, observed = entry.result
            record(observed)  # committed: count it now, whatever publishing does
            self.counters["handled"] += 1
            for due in out.timers_due:  # committed: the timer loop may fire them now
                self.timers.alarm.expect(due)
            outgoing += messages
            broadcasts += out.broadcasts
            handled.append(kind)
        self.relay.publish_committed(outgoing)
        for payload in broadcasts:
            self.transport.broadcast(KILL_CHANNEL, payload)
        elapsed = time.perf_counter() - began
        for kind in handled:
            m.executor_messages.labels(kind).inc()
            m.executor_message_duration.labels(kind).observe(elapsed)

    def consume(self, stop: threading.Event, concurrency: int = 1) -> None:
        """Handle the executor queue until `stop`: in batches where the transport takes
        them (group commit over what waits together), else one message per thread."""
        if self.transport.takes_batches:
            # One consumer: a second (tried) let one decide while the other's commit waited
            # for the disk, but split what waits into smaller groups, woke both at each
            # message and made them wait for each other's GIL: a dependent step took 10 %
            # longer, and bulk work gained nothing (bench/README.md).
            self.transport.consume_batches(EXECUTOR_QUEUE, self.handle_batch, stop=stop,
                                           concurrency=min(concurrency, BATCH_CONSUMERS),
                                           most=self.group.max_group)
        else:
            self.transport.consume([EXECUTOR_QUEUE], self.handle, stop=stop,
                                   concurrency=concurrency)

    def _decide_group(self, entries: list[Entry]) -> None:
        """Decide the messages that arrived together (executor/group_commit.py) in one
        transaction, in the order they arrived (a queue of a flow's executions starts
        them in that order). Their row locks are taken first, in execution id order, so
        that two executors' groups never wait on each other in a cycle. If the group
        fails, each message is decided again alone, so an error belongs to the message
        that raised it."""
        if len(entries) == 1:
            entries[0].result = self._decide_and_commit(entries[0].message)
            return
        try:
            with self.db.begin() as conn:
                # Each execution's first message finds its row locked and bumped already;
                # a later one in the group bumps it again, as a message alone does.
                bumped = lock_and_bump_executions(
                    conn, (entry.message.execution_id for entry in entries))
                writes = Writes(conn)
                for entry in entries:
                    entry.result = self._decide_in_group(
                        writes, entry.message, bumped.pop(entry.message.execution_id, None))
                writes.flush()
            self.counters["grouped"] += len(entries)
            return
        except Exception as exc:  # noqa: BLE001 - each message alone says whose error it is
            log.info("a group of %d messages failed (%s): deciding each alone",
                     len(entries), exc)
            for entry in entries:
                self._forget(entry.message.execution_id)
        for entry in entries:
            try:
                entry.result = self._decide_and_commit(entry.message)
            except Exception as exc:  # noqa: BLE001 - raised again in the message's thread
                entry.result, entry.error = None, exc

    def _forget(self, execution_id: str) -> None:
        """What a transaction that did not commit may have cached of an execution."""
        self.runs.drop(execution_id)
        self.loop_values.drop_execution(execution_id)

    def _decide_in_group(self, writes: Writes, message, bumped_to: int | None
                         ) -> tuple[list, Outgoing, Observed] | None:
        """`_decide` inside a group's transaction. A message that changes nothing cannot
        be rolled back alone: the version bump that locked its execution's row is taken
        back (the row lock stays held to the group's commit), so a duplicate or stale
        message leaves the row as it found it; a TimerFired's timer is deleted here rather
        than in a transaction of its own."""
        try:
            return self._decide(writes, message, bumped_to)
        except _NothingToWrite as nothing:
            if nothing.execution_id is None:
                return None  # an unknown execution: nothing was locked
            unbump_execution(writes.conn, nothing.execution_id)
            if nothing.runs is not None:
                version = nothing.version - 1
                self.runs.put(nothing.execution_id, version, nothing.runs,
                              nothing.execution.model_copy(update={"version": version}))
            else:
                self.runs.drop(nothing.execution_id)
            return None

    def _decide_and_commit(self, message) -> tuple[list, Outgoing, Observed] | None:
        """Lock, load, decide, persist, commit. None when the message changed nothing."""
        try:
            with self.db.begin() as conn:
                writes = Writes(conn)
                decided = self._decide(writes, message)
                writes.flush()
                return decided
        except _NothingToWrite as nothing:
            if nothing.runs is not None:  # rolled back: the row is at the version before
                version = nothing.version - 1
                self.runs.put(nothing.execution_id, version, nothing.runs,
                              nothing.execution.model_copy(update={"version": version}))
            if isinstance(message, TimerFired):  # handled, if only to be ignored
                with self.db.begin() as conn:
                    delete_timer(conn, message.timer_id)
            return None  # rolled back: a duplicate or stale message writes nothing

    def _decide(self, writes: Writes, message, bumped_to: int | None = None
                ) -> tuple[list, Outgoing, Observed]:
        """`bumped_to`: the version this transaction already moved the row to (a group's
        first message of the execution), else the row is locked and bumped here."""
        conn = writes.conn
        writes.flush_row_of(message.execution_id)  # a group's earlier message changed it
        known = self.runs.execution(message.execution_id)
        execution = lock_and_bump_execution(conn, message.execution_id, known) \
            if bumped_to is None else \
            bumped_execution(conn, message.execution_id, bumped_to, known)
        if execution is None:
            self.counters["unknown_execution"] += 1
            log.warning("message for unknown execution %s ignored", message.execution_id)
            raise _NothingToWrite
        if isinstance(message, TimerFired) and not delete_timer(conn, message.timer_id):
            self.counters["ignored"] += 1  # its timer fired again and a copy was handled
            raise _NothingToWrite(execution.id)
        flow = self.flows.get(conn, execution.namespace, execution.flow_id,
                              execution.flow_revision)
        runs = self.runs.get(execution.id, execution.version - 1)
        if runs is None and _stored_without_runs(message, execution):
            runs = []
        if runs is None:
            writes.flush_for(execution.id)
            runs = load_live_task_runs(conn, execution.id)
        decision, before_runs = self._process(writes, flow, execution, runs, message)
        if decision.ignored:
            self.counters["ignored"] += 1
            # A resubmission that changes nothing is rare and worth seeing in the logs.
            log.log(logging.WARNING if isinstance(message, ResubmitAttempt) else logging.INFO,
                    "%s: %s", message.kind, decision.ignored)
            raise _NothingToWrite(execution.id, execution.version, runs, execution)
        if isinstance(message, TaskResult) and message.logs:  # before the lines it caused
            writes.logs(execution.id, [worker_log(execution, line) for line in message.logs])
        outgoing, out = self._persist(writes, decision, execution, before_runs)
        # Remembered before the commit, so another thread of this executor waiting for the
        # row lock finds the cache already at the version it will read. A failed commit
        # drops the entry (see handle).
        self._remember(decision, execution.version, runs)
        # Pure; recorded by `handle` once the transaction committed.
        return outgoing, out, observe(decision, execution, before_runs, flow)

    def _process(self, writes: Writes, flow, execution, runs: list, message
                 ) -> tuple[Decision, list]:
        """Run the core over the working set; load folded runs when a render needs them.
        Returns the decision and the task runs it was decided over."""
        conn = writes.conn
        facts = Facts(slots_taken=slots_taken(writes, flow, execution, message))
        if isinstance(message, TaskResult) and message.logs:  # errorLogs() sees them too
            facts.worker_logs = [worker_log(execution, line) for line in message.logs]
        facts.loop_values = value_windows(
            runs, lambda run_id, start, stop: self.loop_values.window(
                conn, execution.id, run_id, start, stop))
        folded: list = []
        loaded: frozenset[str] | bool = frozenset()
        if type(message) in ENGINE.needs_all_runs:
            writes.flush_for(execution.id)
            runs, loaded = load_task_runs(conn, execution.id), True
        for _ in range(MAX_FOLDED_LOADS):
            before = [*runs, *folded]
            decision = process(flow, execution, before, message, self.clock(),
                               self.config, facts=facts, folded_loaded=loaded, wiring=ENGINE)
            if not decision.needs_folded:
                return decision, before
            loaded = loaded | decision.needs_folded
            writes.flush_for(execution.id)
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
        self.runs.put(decision.execution.id, version, [run for run in runs if not run.folded],
                      decision.execution)

    def _persist(self, writes: Writes, decision: Decision, before, runs: list
                 ) -> tuple[list, Outgoing]:
        conn, execution = writes.conn, decision.execution
        if decision.execution_changed:
            writes.execution(execution, labels_changed=execution.labels != before.labels)
        moved = execution.state is not before.state or \
            len(execution.history.histories) != len(before.history.histories)
        if decision.deleted:
            writes.flush()  # the group's writes first, in order
            delete_task_runs(conn, decision.deleted)
        writes.task_runs(execution.id, list(decision.created), list(decision.updated))
        if decision.logs:
            task_ids = {run.id: run.task_id for run in (*runs, *decision.created)}
            writes.logs(execution.id, [self._log_entry(execution, task_ids, *entry)
                                       for entry in decision.logs])
        out = Outgoing(config=self.config, flows=self.flows)
        flushing = FlushingConnection(writes)  # reads and writes after what came before
        for command in decision.commands:
            for persister in PERSISTERS.get(type(command), ()):  # executor/wiring.py
                persister(flushing, execution, command, out)
        if moved:
            on_state_change(conn, before, execution, self.config, out, self.listeners,
                            before_reading=writes.flush)
        return writes.messages(execution.id, out.messages), out

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
