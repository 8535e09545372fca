"""Metrics and health wiring of each service process, in one place: the CLI commands call
one function each (`executor`, `worker`, `scheduler`, `webserver`) and `close()` the
`Management` it returns. Embedded mode (`podium run`, `Runtime.embedded`) starts none.

Each function: registers the service's beats on a `Health`, its scrape-time collectors,
readiness (true once the service consumes / did its first round, false again once its
stop event is set: draining), build info, and starts the management server
(common/observability/server.py) on `settings.management` (port None: the service's
default, 0: any free port). The address is printed to stderr as
`podium <service>: management server on http://HOST:PORT`, which podium/testing/fleet.py reads.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from prometheus_client import REGISTRY

from podium.common.observability import Health, ManagementServer, metrics
from podium.common.ports import bind_port
from podium.common.settings import Settings
from podium.lifecycle import on_stop

log = logging.getLogger(__name__)

ADDRESS_LINE = "management server on "
# Liveness: a consumer beats about every second while it consumes; /healthz fails when
# its last beat is older than 6 of these (a reconnection after a broker restart fits).
CONSUMER_BEAT_SECONDS = 5.0


@dataclass
class Management:
    """What a service's process started for metrics and health; `close()` at exit."""

    health: Health
    server: ManagementServer | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def url(self) -> str | None:
        return self.server.url if self.server else None

    def close(self) -> None:
        self.health.set_ready(False)
        if self.server is not None:
            self.server.close()
            self.server = None
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:  # noqa: BLE001 - best effort at exit
                log.debug("management cleanup failed", exc_info=True)
        self.closers.clear()


def management_port(settings: Settings, service: str) -> int:
    port = settings.management.port
    return metrics.DEFAULT_PORTS[service] if port is None else port


def start_management(settings: Settings, service: str, health: Health) -> ManagementServer | None:
    """Build info, then the management server (None when disabled). The service's default
    port, when taken (another service of its kind on this host), moves to the next free
    one; a PODIUM_MANAGEMENT__PORT that is taken raises ServiceSetupError."""
    metrics.set_build_info(service)
    if not settings.management.enabled:
        return None
    wanted = management_port(settings, service)
    server, port = bind_port(
        lambda candidate: ManagementServer(health, settings.management.host, candidate),
        wanted, explicit=settings.management.port is not None,
        what=f"podium {service}: management server (PODIUM_MANAGEMENT__PORT)")
    server.start()
    moved = f"management port {wanted} in use, " if port != wanted else ""
    sys.stderr.write(f"podium {service}: {moved}{ADDRESS_LINE}{server.url}\n")
    sys.stderr.flush()
    return server


def not_ready_when_set(stop: threading.Event, health: Health) -> None:
    """Readiness false once `stop` is set (SIGTERM: draining)."""
    on_stop(stop, partial(health.set_ready, False))


def _ready_when_consuming(health: Health, beat: str | None = None) -> Callable[[], None]:
    """Ready on Celery's worker_ready; with `beat`, beaten by the consumer's check while
    it can take messages (common/transport/celery_consumer.py): a consumer that hangs,
    cannot reconnect or holds deliveries no handler will acknowledge stops beating."""
    from celery.signals import worker_ready

    from podium.common.transport.celery_consumer import consuming

    def on_ready(sender: Any = None, **_: Any) -> None:
        health.set_ready(True)

    def on_consuming(sender: Any = None, **_: Any) -> None:
        health.beat(beat)

    worker_ready.connect(on_ready, weak=False)
    if beat is not None:
        consuming.connect(on_consuming, weak=False)

    def disconnect() -> None:
        worker_ready.disconnect(on_ready)
        consuming.disconnect(on_consuming)

    return disconnect


def executor(settings: Settings, service: Any, database: Any, stop: threading.Event) -> Management:
    """`podium executor`: the timer loop's beat, outbox backlog and queue depths."""
    import redis

    from podium.common.store.outbox import count_messages

    health = Health()
    management = Management(health)
    health.expect("timers", max(30.0, 10 * settings.executor.timer_poll_seconds))
    service.timers.on_round = lambda: health.beat("timers")
    health.expect("consumer", 6 * CONSUMER_BEAT_SECONDS)
    management.closers.append(_ready_when_consuming(health, "consumer"))
    not_ready_when_set(stop, health)

    def backlog() -> int:
        with database.read() as conn:
            return count_messages(conn)

    client = redis.Redis.from_url(settings.broker.url, socket_timeout=5,
                                  socket_connect_timeout=5)
    for collector in (metrics.OutboxBacklog(backlog),
                      metrics.QueueDepth(client, settings.broker.key_prefix)):
        REGISTRY.register(collector)
        management.closers.append(lambda c=collector: REGISTRY.unregister(c))
    management.closers.append(client.close)
    management.server = start_management(settings, "executor", health)
    return management


def worker(settings: Settings, stop: threading.Event, concurrency: int) -> Management:
    """`podium worker`, before its WorkerService handles anything: slots, the consumer's
    beat; with pool=prefork, prometheus_client's multiprocess mode (a fresh directory per
    worker process, removed at close) so the attempts counted in pool children show."""
    health = Health()
    management = Management(health)
    if settings.worker.pool == "prefork":
        directory = tempfile.mkdtemp(prefix="podium-metrics-")
        metrics.enable_multiprocess(directory)
        management.closers.append(lambda: shutil.rmtree(directory, ignore_errors=True))
        management.closers.append(_mark_children_dead_on_exit())
    metrics.get().worker_slots.labels("free").set(concurrency)
    metrics.get().worker_slots.labels("busy").set(0)
    health.expect("consumer", 6 * CONSUMER_BEAT_SECONDS)
    management.closers.append(_ready_when_consuming(health, "consumer"))
    not_ready_when_set(stop, health)
    management.server = start_management(settings, "worker", health)
    return management


def _mark_children_dead_on_exit() -> Callable[[], None]:
    from celery.signals import worker_process_shutdown
    from prometheus_client import multiprocess

    def on_exit(pid: int | None = None, **_: Any) -> None:
        multiprocess.mark_process_dead(pid or os.getpid())

    worker_process_shutdown.connect(on_exit, weak=False)
    return lambda: worker_process_shutdown.disconnect(on_exit)


def scheduler(settings: Settings, service: Any, stop: threading.Event) -> Management:
    """`podium scheduler`: one beat per round, counted (tests wait on the count before
    asserting that something was not fired); ready after the first. A round sleeps at
    most `flow_poll_seconds` but an http.Trigger poll may block it for its read timeout
    (60 s by default), hence the generous max age."""
    health = Health()
    management = Management(health)
    health.expect("rounds", max(180.0, 20 * settings.scheduler.flow_poll_seconds))

    def on_round() -> None:
        health.beat("rounds")
        metrics.get().scheduler_rounds.inc()
        if not stop.is_set():
            health.set_ready(True)

    service.on_round = on_round
    not_ready_when_set(stop, health)
    management.server = start_management(settings, "scheduler", health)
    return management


def webserver(settings: Settings, app: Any) -> Management:
    """`podium webserver` (not --embedded): ready between the app's startup and shutdown.
    Requests are counted by api/metrics.py's middleware, which every app has."""
    health = Health()
    management = Management(health)
    app.router.on_startup.append(lambda: health.set_ready(True))
    app.router.on_shutdown.append(lambda: health.set_ready(False))
    management.server = start_management(settings, "webserver", health)
    return management
