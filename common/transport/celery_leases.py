"""Holding on to the messages a live Celery worker has taken (a lease per message).

kombu's Redis transport remembers each delivered, unacknowledged message in the
``unacked`` hash and scores it in ``unacked_index`` with the delivery time; any consumer's
periodic sweep puts back on its queue a message whose score is older than the visibility
timeout. Left alone, that timeout must exceed the longest task (or a running task is handed
out twice), so a dead worker's messages would wait hours to come back.

A `LeaseKeeper` runs beside each consumer and re-scores, every quarter of the timeout, the
messages its process still holds (received, running or waiting to be acknowledged). The
timeout thus measures how long ago the holder was last seen alive rather than how long the
task has run: a task may run for days, and a worker that dies (SIGKILL, lost host) gives
back, within about one timeout, every message it held, including the ones it had received
but not started.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Celery

log = logging.getLogger("podium.transport")

MIN_RENEW_SECONDS = 0.5


class LeaseKeeper:
    def __init__(self, app: Celery, worker: Any) -> None:
        self.app = app
        self.worker = worker  # a celery WorkController
        timeout = float((app.conf.broker_transport_options or {}).get("visibility_timeout", 3600))
        self.every = max(MIN_RENEW_SECONDS, timeout / 4)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "LeaseKeeper":
        self._thread = threading.Thread(target=self._loop, name="podium-leases", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - Redis away for a while: the next round retries
                log.warning("could not renew the leases of held messages", exc_info=True)

    def renew(self) -> int:
        """Stamp every message this worker holds as seen now; returns how many."""
        tags = self.held_tags()
        if not tags:
            return 0
        now = time.time()
        with self.app.connection_for_write() as connection:
            channel = connection.default_channel
            # XX: only messages still unacknowledged; one acknowledged meanwhile stays gone.
            channel.client.zadd(channel.unacked_index_key, {tag: now for tag in tags}, xx=True)
        return len(tags)

    def held_tags(self) -> list[str]:
        """Delivery tags of the messages delivered to this worker and not acknowledged."""
        consumer = getattr(self.worker, "consumer", None)
        task_consumer = getattr(consumer, "task_consumer", None)
        qos = getattr(getattr(task_consumer, "channel", None), "qos", None)
        delivered = getattr(qos, "_delivered", None)
        if not delivered:
            return []
        for _ in range(3):  # the consumer thread may change it while we copy
            try:
                return [str(tag) for tag in list(delivered)]
            except RuntimeError:
                continue
        return []
