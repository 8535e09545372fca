"""What every service process does around its main loop: register a heartbeat row in the
store (`podium sys services`), say when it drains, and deregister on a clean stop."""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from podium.common.heartbeat import Heartbeat, new_instance
from podium.common.observability import Health
from podium.common.settings import Settings, liveness_warnings
from podium.common.store import Database

log = logging.getLogger("podium.lifecycle")


# Least age of the last heartbeat at which /healthz reports the process stuck (seconds).
HEALTH_HEARTBEAT_SECONDS = 60.0

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_service(settings: Settings) -> None:
    """What every long-running service process does first: logging at the configured
    level, and `kill -USR1 <pid>` printing every thread's stack to stderr, to see where a
    live but stuck process waits without stopping it."""
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    for warning in liveness_warnings(settings):
        log.warning("%s", warning)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)


def start_heartbeat(settings: Settings, kind: str, info: dict[str, Any] | None = None,
                    running: Callable[[], list[dict[str, Any]]] | None = None,
                    health: Health | None = None) -> Heartbeat:
    """Register this process as a `kind` service and keep its row fresh. With `health`,
    /healthz fails when no heartbeat reached the store within the worker timeout (the
    time after which executors would declare this process dead), or a minute if longer.

    The heartbeat has a database engine of its own: a busy service (every pooled
    connection held by handlers) must not look dead because its beat waited for one. Its
    connection is tested before each beat (a restarted database costs no beat) and its
    statements time out well within the heartbeat timeout."""
    worker = settings.worker
    db = Database(settings.database.url, pool_size=1, pre_ping=True,
                  statement_timeout=max(1.0, min(5.0, worker.heartbeat_timeout_seconds / 4)))
    instance = new_instance(kind, info)
    on_beat = None
    if health is not None:
        # Never below a minute: a database outage stops every beat, and a liveness probe
        # restarting every pod for it would only add a restart storm to the outage.
        health.expect("heartbeat", max(HEALTH_HEARTBEAT_SECONDS, worker.heartbeat_timeout_seconds))
        on_beat = partial(health.beat, "heartbeat")
    return Heartbeat(db, instance, interval=worker.heartbeat_seconds, running=running,
                     on_beat=on_beat, owns_db=True).start()


def on_stop(stop: threading.Event, action: Callable[[], None]) -> threading.Thread:
    """Run `action` once `stop` is set (SIGTERM): e.g. start draining while the transport
    finishes its warm shutdown."""
    def wait() -> None:
        stop.wait()
        try:
            action()
        except Exception:  # noqa: BLE001 - shutting down anyway
            log.exception("shutdown action failed")

    thread = threading.Thread(target=wait, name="on-stop", daemon=True)
    thread.start()
    return thread
