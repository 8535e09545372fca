"""Publishing what a transaction decided, after it committed, without ever losing it.

Every outgoing message is first written to the outbox table in the deciding transaction.
After the commit the service publishes it at once (`publish_committed`) and hands its id
to a background deleter that removes published rows in batches. If the process dies
between commit and publish, the row stays; the sweeper republishes rows older than a grace
period. A message may thus go out twice, never zero times: consumers are idempotent.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any, Iterable

from podium.common.store import Database, delete_messages, take_messages
from podium.common.store.types import utcnow
from podium.common.transport.base import Transport

log = logging.getLogger(__name__)


DELETE_BATCH = 500


class OutboxRelay:
    def __init__(self, db: Database, transport: Transport, *, grace_seconds: float = 10.0,
                 batch_interval: float = 0.2) -> None:
        self.db = db
        self.transport = transport
        self.grace = timedelta(seconds=grace_seconds)
        self.batch_interval = batch_interval
        self.sweep_every: float | None = None  # set by run_background when it sweeps
        self._published: list[int] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def publish_committed(self, messages: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
        """Publish messages whose outbox rows were just committed; schedule their deletion."""
        messages = list(messages)
        # One round trip to the broker for all of them (a group commit's whole output).
        self.transport.publish_many([(queue, payload) for _, queue, payload in messages])
        ids = [row_id for row_id, _, _ in messages]
        if ids:
            with self._lock:
                self._published.extend(ids)
                # Deleting is not urgent: wait for a batch worth a transaction rather than
                # spend one per message on the hot path.
                if len(self._published) >= DELETE_BATCH:
                    self._wake.set()

    def published(self) -> set[int]:
        """Ids of the rows this relay published and has not deleted yet."""
        with self._lock:
            return set(self._published)

    def wake(self) -> None:
        """Start the next round now: the service stops (its stop event is set), and the
        round's deletions should not wait out the batch interval."""
        self._wake.set()

    def delete_published(self) -> int:
        with self._lock:
            ids, self._published = self._published, []
        if ids:
            try:
                with self.db.begin() as conn:
                    delete_messages(conn, ids)
            except Exception:
                # The store is down: keep them for the next round, or the sweeper would
                # take their rows for unpublished ones and send them all again.
                with self._lock:
                    self._published[:0] = ids
                raise
        return len(ids)

    def sweep(self) -> int:
        """Republish rows left behind by a process that died after its commit."""
        cutoff = utcnow() - self.grace
        with self._lock:
            pending = set(self._published)
        swept = 0
        with self.db.begin() as conn:
            stale = [m for m in take_messages(conn, 500)
                     if m.id not in pending and (m.created is None or m.created < cutoff)]
            for message in stale:
                # Maybe published (and handled) before the process died: consumers check.
                self.transport.publish(message.queue, message.payload, redelivery=True)
            delete_messages(conn, [m.id for m in stale])
            swept = len(stale)
        if swept:
            log.warning("outbox sweeper republished %d message(s)", swept)
        return swept

    def run_background(self, stop: threading.Event,
                       sweep_every: float | None = 5.0) -> threading.Thread:
        """Delete published rows in batches; with `sweep_every`, also republish leftovers
        (services do; clients that only submit leave sweeping to the executors)."""
        self.sweep_every = sweep_every
        def loop() -> None:
            last_sweep = 0.0
            while not stop.is_set():
                self._wake.wait(self.batch_interval)
                self._wake.clear()
                try:
                    self.delete_published()
                    last_sweep += self.batch_interval
                    if sweep_every is not None and last_sweep >= sweep_every:
                        last_sweep = 0.0
                        self.sweep()
                except Exception:  # keep the relay alive; the next round retries
                    log.exception("outbox relay round failed")
            self.delete_published()

        thread = threading.Thread(target=loop, name="outbox-relay", daemon=True)
        thread.start()
        return thread

    def leftovers_republished_within(self) -> float:
        """Seconds by which a leftover row present now has been republished by a sweep
        (of this relay, or another executor's at the default pace)."""
        every = self.sweep_every if self.sweep_every is not None else 5.0
        return self.grace.total_seconds() + 2 * every
