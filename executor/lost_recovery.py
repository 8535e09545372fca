"""Sending again what died with a consumer (found by executor/lost_messages.py): attempts
resubmitted, StartExecutions and SubflowEndeds repeated. Looked for after a consumer is
declared dead (executor/liveness.py), when the broker lost its data, and every
`LOST_SCAN_SECONDS` as a safety net."""

from __future__ import annotations

import logging
import time
from collections import Counter

from podium.common.messages import ResubmitAttempt, StartExecution
from podium.common.observability import metrics
from podium.common.outbox_relay import OutboxRelay
from podium.common.store import Database
from podium.common.store.outbox import enqueue_for_publish
from podium.common.transport.base import EXECUTOR_QUEUE, Transport
from podium.executor.engine.context import EngineConfig
from podium.executor.flow_cache import FlowCache
from podium.executor.lost_messages import (
    LOST_SCAN_SECONDS,
    Lost,
    OpenAttempt,
    Unstarted,
    find_lost_messages,
)
from podium.executor.persisters.subflow import child_ended_message

log = logging.getLogger(__name__)


class LostMessageRecovery:
    def __init__(self, db: Database, transport: Transport, relay: OutboxRelay,
                 flows: FlowCache, config: EngineConfig, counters: Counter[str]) -> None:
        self.db, self.transport, self.relay = db, transport, relay
        self.flows, self.config, self.counters = flows, config, counters
        self._due = False  # a consumer died: look for messages lost with it
        self._next_scan = time.monotonic() + LOST_SCAN_SECONDS  # the safety net
        self._recheck_at: float | None = None  # the second look after a store restart

    def after_liveness_round(self, consumer_died: bool, store_restarted: bool = False) -> None:
        """Looked for until a look succeeds (the broker may be what failed); and now and
        then anyway, for a loss nothing else revealed.

        After the database server restarted, looked for twice: at once, and again once the
        outbox sweeper has republished the rows whose deletion the server forgot. Such a
        row hides its attempt from the first look (it is "about to be sent"), and when it is
        sent the worker drops it, having published that attempt's result already: only a
        second look sees the attempt left open with no message standing for it."""
        now = time.monotonic()
        rechecking = self._recheck_at is not None and now >= self._recheck_at
        if store_restarted:  # (again): the second look counts from the latest restart
            self._recheck_at = now + self.relay.leftovers_republished_within()
            rechecking = False
        self._due |= consumer_died or store_restarted or rechecking or now >= self._next_scan
        if self._due:
            self.resend()
            self._due = False
            self._next_scan = time.monotonic() + LOST_SCAN_SECONDS
            if rechecking:
                self._recheck_at = None

    def resend(self) -> int:
        """Send again what the store waits on and no message stands for; returns how many."""
        lost = find_lost_messages(self.db, self.transport, self.flows)
        if not lost:
            return 0
        with self.db.begin() as conn:
            messages = [(EXECUTOR_QUEUE, message.encode()) for message in
                        (self._message_for(conn, item) for item in lost) if message is not None]
            rows = enqueue_for_publish(conn, messages)
        log.warning("messages lost with a dead consumer, sent again: %s",
                    ", ".join(f"{type(item).__name__} {item.marks[0]}" for item in lost[:20]))
        attempts = sum(isinstance(item, OpenAttempt) for item in lost)
        self.counters["attempts_resubmitted"] += attempts
        metrics.get().worker_attempts_resubmitted.inc(attempts)
        self.relay.publish_committed(rows)
        return len(messages)

    def _message_for(self, conn, item: Lost):
        if isinstance(item, OpenAttempt):
            return ResubmitAttempt(execution_id=item.execution_id, task_run_id=item.task_run_id,
                                   attempt=item.attempt, lost=True)
        if isinstance(item, Unstarted):
            return StartExecution(execution_id=item.execution_id)
        return child_ended_message(conn, item.child, self.config, self.flows)
