"""Silent services: the executor's liveness round declares a service DEAD when its
heartbeat row is older than the timeout, resubmits the attempts its dead workers were
running, and, when a consumer died, looks for the messages lost with it
(executor/lost_recovery.py). A service is judged only after this executor watched the
store for a whole timeout without a gap (executor/store_watch.py). A restart of the database
server also triggers that look: a server that crashed may have forgotten commits made
without waiting for the disk (database.synchronous_commit false) after their messages went
out."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from podium.common.messages import ResubmitAttempt
from podium.common.observability import metrics
from podium.common.outbox_relay import OutboxRelay
from podium.common.store import Database
from podium.common.store.outbox import enqueue_for_publish
from podium.common.store.services import (
    claim_silent_services,
    database_started_at,
    forget_dead_services,
)
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.executor.lost_recovery import LostMessageRecovery
from podium.executor.store_watch import StoreWatch

log = logging.getLogger(__name__)

# The services that take messages off queues: one dying may take some with it.
CONSUMERS = frozenset({"worker", "executor"})

# DEAD service rows stay listed (`podium sys services --all`) this long.
DEAD_ROWS_KEPT = timedelta(days=1)


class Liveness:
    def __init__(self, db: Database, relay: OutboxRelay, clock: Callable[[], datetime],
                 recovery: LostMessageRecovery, counters: Counter[str]) -> None:
        self.db, self.relay, self.clock = db, relay, clock
        self.recovery, self.counters = recovery, counters
        # Whether this executor saw the store long enough to judge silent services.
        self.store_watch = StoreWatch(max_gap=timedelta(seconds=30))

    def resubmit_silent_workers(self, timeout_seconds: float) -> int:
        """Claim the services silent for `timeout_seconds` (marked DEAD, once across
        replicas) and send a ResubmitAttempt for each attempt the workers among them were
        running, in the same transaction. Returns the number of attempts resubmitted."""
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
                server_started = database_started_at(conn)
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
        restarted = self.store_watch.restarted(server_started)
        if restarted:
            log.warning("the database server restarted: looking for messages whose "
                        "commits it may have forgotten")
        self.recovery.after_liveness_round(
            any(service.kind in CONSUMERS for service in silent), store_restarted=restarted)
        return len(messages)

    def start(self, stop: threading.Event, timeout_seconds: float) -> threading.Thread:
        """The liveness round in its own thread, every tenth of the timeout: a dead worker
        is noticed within 1.1 timeouts."""
        self.store_watch.max_gap = timedelta(seconds=timeout_seconds / 2)
        every = max(0.2, timeout_seconds / 10)

        def loop() -> None:
            while not stop.wait(every):
                try:
                    self.resubmit_silent_workers(timeout_seconds)
                except Exception:
                    log.exception("executor liveness round failed")

        thread = threading.Thread(target=loop, name="executor-liveness", daemon=True)
        thread.start()
        return thread
