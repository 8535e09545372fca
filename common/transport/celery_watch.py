"""`BrokerWatch`: notices the Redis broker restarting, and losing its data.

A consumer only learns that its connection broke when it next reads from it. A Celery
consumer whose every slot is busy (prefetch full) has no BRPOP outstanding: it would sleep
through a Redis restart, then ack or reject on a dead connection, keep those deliveries
as held forever and never take a message again. So one thread per process asks Redis for
its ``run_id`` every `interval` seconds on a connection of its own: when Redis was
unreachable and answers again, or answers with another ``run_id`` (a restart faster than
one interval), `generation` moves on, and each consumer started on an older generation
reconnects (common/transport/celery_consumer.py).

A restart may also lose the data (no AOF/RDB, a failover to an empty replica): every queue
and every record of delivered messages is gone. A marker key, written once, tells: when it
is missing, the callbacks given to `on_data_loss` run (the executor then looks for the
messages the store still waits on and sends them again), and it is written again. They also run after a restart that kept the marker: Redis
persisting its append-only file every second may still have lost its last writes.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

import redis

log = logging.getLogger("podium.transport")

MARKER_KEY = "podium.broker.marker"
# Between noticing a data loss and looking for what it lost (see `_data_lost`).
DATA_LOSS_SETTLE_SECONDS = 5.0


class BrokerWatch:
    def __init__(self, url: str, key_prefix: str = "", interval: float = 1.0) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.interval = interval
        self.marker = key_prefix + MARKER_KEY
        self.generation = 0  # moves on at each return of the broker
        self.reachable = True
        self._run_id: str | None = None
        self._on_data_loss: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "BrokerWatch":
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="podium-broker-watch",
                                                daemon=True)
                self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.client.close()

    def on_data_loss(self, callback: Callable[[], None]) -> None:
        """Call `callback` (in the watch's thread) whenever the broker comes back without
        its data, or restarted; also now if the marker is missing (a first start, or a
        loss while no process watched): it must be harmless when nothing was lost."""
        with self._lock:
            self._on_data_loss.append(callback)
        self.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:  # noqa: BLE001 - a callback failed; the next round goes on
                log.exception("broker watch round failed")
            self._stop.wait(self.interval)

    def check(self) -> None:
        """One look at the broker: bump `generation` if it came back, and run the data
        loss callbacks if its marker is gone or it restarted."""
        try:
            run_id = self.client.info("server").get("run_id")
            lost = bool(self._on_data_loss) and self._claim_marker()
        except redis.RedisError as exc:
            if self.reachable:
                log.warning("broker unreachable: %s", exc)
            self.reachable = False
            return
        restarted = self._run_id is not None and run_id != self._run_id
        came_back = restarted or not self.reachable
        self.reachable, self._run_id = True, run_id
        if came_back:
            self.generation += 1
            log.warning("broker is back (run_id %s): consumers reconnect", run_id)
        if lost:
            self._data_lost(f"its marker {self.marker} is gone: it lost its data (or is new)")
        elif restarted and self._on_data_loss:
            # Kept data may still miss the last writes (AOF fsync'ed every second).
            self._data_lost("it restarted: the writes of its last moments may be lost")

    def _claim_marker(self) -> bool:
        """True when the marker was missing (and is now written by this process)."""
        if self.client.exists(self.marker):
            return False
        return bool(self.client.set(self.marker, f"{uuid.uuid4().hex} {time.time():.0f}",
                                    nx=True))

    def _data_lost(self, why: str) -> None:
        log.warning("broker: %s; looking for the messages the store still waits on in %.0f s",
                    why, DATA_LOSS_SETTLE_SECONDS)
        # Meanwhile consumers reconnect and publishes that waited for the broker land: a
        # result published late is then found on its queue instead of looking lost.
        self._stop.wait(DATA_LOSS_SETTLE_SECONDS)
        with self._lock:
            callbacks = list(self._on_data_loss)
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the next loss (or safety scan) retries
                log.exception("broker data loss handler failed")
