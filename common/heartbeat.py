"""A service's heartbeat: its row in `service_instances`, refreshed by one thread.

Every service process (executor, worker, scheduler, webserver) registers when it starts and
beats every `interval` seconds; a worker also lists the attempts it is running, and asks
for a beat soon after that list changes (`wake`), coalesced to at most one write per
`min_gap` seconds, so a dead worker's attempts are known to the executors within about
that long without a database write per task on the worker's hot path. The row is deleted
on a clean stop; a process that dies leaves it to go silent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from podium.common.store import Database
from podium.common.store.services import DRAINING, RUNNING, ServiceInstance, beat, remove_service
from podium.common.store.types import utcnow
from podium.common.version import podium_version

log = logging.getLogger("podium.heartbeat")


def new_instance(kind: str, info: dict[str, Any] | None = None,
                 now: datetime | None = None) -> ServiceInstance:
    """A fresh identity for this process: kind, host, pid and a random suffix (a pid is
    reused across container restarts)."""
    hostname = socket.gethostname()
    started = now or utcnow()
    return ServiceInstance(
        id=f"{kind}-{hostname[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}", kind=kind,
        hostname=hostname, pid=os.getpid(), version=podium_version(), started_at=started,
        heartbeat_at=started, info=dict(info or {}))


class Heartbeat:
    """Keeps `instance`'s row fresh until `stop()`; `on_beat` runs after each write that
    committed (health checks count on it to tell a live process from a stuck one)."""

    def __init__(self, db: Database, instance: ServiceInstance, *, interval: float = 10.0,
                 min_gap: float = 0.2,
                 running: Callable[[], list[dict[str, Any]]] | None = None,
                 on_beat: Callable[[], None] | None = None,
                 clock: Callable[[], datetime] = utcnow, owns_db: bool = False) -> None:
        self.db = db
        self.owns_db = owns_db  # disposed by stop()
        self.instance = instance
        self.interval = interval
        self.min_gap = min_gap
        self.running = running
        self.on_beat = on_beat
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._registered = False
        # Called after a beat found this row declared DEAD (the process was silent too
        # long; its attempts were resubmitted): a worker then checks what it holds.
        self.on_revived: Callable[[], None] | None = None

    @property
    def id(self) -> str:
        return self.instance.id

    def start(self) -> "Heartbeat":
        self.beat_now()  # registered before the service takes its first message
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{self.instance.kind}",
                                        daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Beat soon: what the row says (e.g. the running attempts) changed."""
        self._wake.set()

    def draining(self) -> None:
        """The service stops taking work: say so at once."""
        self.instance = self.instance.but(state=DRAINING)
        self.wake()

    def beat_now(self) -> None:
        running = self.running() if self.running is not None else []
        self.instance = self.instance.but(heartbeat_at=self.clock(), running=running)
        with self.db.begin() as conn:
            inserted = beat(conn, self.instance)
        if inserted and self._registered:
            log.warning("%s was declared dead (silent too long); registered again",
                        self.instance.id)
            if self.on_revived is not None:
                self.on_revived()
        self._registered = True
        if self.on_beat is not None:
            self.on_beat()

    def stop(self) -> None:
        """Stop beating and delete the row: a clean stop leaves nothing to resubmit."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, self.interval))
        try:
            with self.db.begin() as conn:
                remove_service(conn, self.instance.id)
        except Exception:  # noqa: BLE001 - the row then goes silent and is reaped
            log.exception("could not remove service row %s", self.instance.id)
        if self.owns_db:
            self.db.dispose()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                self.beat_now()
            except Exception:  # noqa: BLE001 - the store may be down for a while; keep trying
                log.exception("heartbeat of %s failed", self.instance.id)
            self._stop.wait(self.min_gap)  # coalesce bursts of wake() into one write


__all__ = ["Heartbeat", "new_instance", "describe", "RUNNING", "DRAINING"]


def describe(instance: ServiceInstance, now: datetime | None = None) -> dict[str, Any]:
    """The JSON shape of a service row, shared by `podium sys services` and the API."""
    now = now or utcnow()

    def iso(value: datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")

    return {"id": instance.id, "kind": instance.kind, "state": instance.state,
            "hostname": instance.hostname, "pid": instance.pid, "version": instance.version,
            "startedAt": iso(instance.started_at), "heartbeatAt": iso(instance.heartbeat_at),
            "heartbeatAgeSeconds": round((now - instance.heartbeat_at).total_seconds(), 3),
            "info": instance.info, "running": instance.running}
