"""`podium executor`, `podium worker`, `podium server local`, `podium db upgrade`."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import click
from celery.signals import worker_ready

from podium import observability, wiring
from podium.common.ports import moved_note
from podium.common.settings import Settings
from podium.common.store import ensure_schema, shown_url, upgrade
from podium.common.transport.base import KILL_CHANNEL
from podium.executor.service import ExecutorService
from podium.lifecycle import configure_service, on_stop, start_heartbeat
from podium.local_server import announce, local_credentials, refuse_if_served
from podium.runtime import Runtime
from podium.worker.service import WorkerService


def _logging(settings: Settings) -> None:
    configure_service(settings)
    _signal_readiness()


def _signal_readiness() -> None:
    """Touch $PODIUM_READY_FILE once Celery consumes: fleets and probes wait for it."""
    path = os.environ.get("PODIUM_READY_FILE")
    if not path:
        return

    def touch(**_: object) -> None:
        Path(path).write_text(str(os.getpid()))

    worker_ready.connect(touch, weak=False)


@click.group()
def db() -> None:
    """Manage the SQL store."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to the database of PODIUM_DATABASE__URL (default: the
    SQLite file of PODIUM_DATA_DIR), and say what was done."""
    settings = Settings()
    url = settings.database.url
    before, after = upgrade(url)
    shown = shown_url(url)  # never the password: logs keep what is printed
    if before is None:
        click.echo(f"created the schema of {shown} at revision {after}")
    elif before == after:
        click.echo(f"database at {shown} is already at revision {after}")
    else:
        click.echo(f"upgraded {shown} from revision {before} to {after}")


@click.command()
@click.option("--concurrency", type=int, default=None, help="Messages handled at once.")
def executor(concurrency: int | None) -> None:
    """Run the executor service: consumes the executor queue until SIGTERM."""
    settings = Settings()
    _logging(settings)
    database = wiring.database(settings)
    ensure_schema(database)
    transport = wiring.celery_transport(settings)
    service = ExecutorService(database, transport, config=wiring.engine_config(settings, database),
                              timer_refire_seconds=settings.executor.timer_refire_seconds)
    concurrency = concurrency or settings.executor.concurrency
    stop = threading.Event()
    management = observability.executor(settings, service, database, stop)
    heartbeat = start_heartbeat(settings, "executor", {"concurrency": concurrency},
                                health=management.health)
    # A broker that comes back empty lost what the store still waits on: send it again.
    transport.watch_data_loss(service.resend_lost_messages)
    service.run_background(stop, timer_poll_seconds=settings.executor.timer_poll_seconds,
                           outbox_sweep_seconds=settings.executor.outbox_sweep_seconds,
                           worker_timeout_seconds=settings.worker.heartbeat_timeout_seconds)
    try:
        service.consume(stop, concurrency)
    finally:
        stop.set()
        heartbeat.stop()
        service.relay.delete_published()
        management.close()


@click.command()
@click.option("--concurrency", type=int, default=None, help="Task attempts run at once.")
@click.option("--queue", "queues", multiple=True, help="Queue to consume (repeatable).")
def worker(concurrency: int | None, queues: tuple[str, ...]) -> None:
    """Run a worker service: runs task attempts until SIGTERM (warm shutdown)."""
    settings = Settings()
    _logging(settings)
    queues = list(queues) or settings.worker.resolved_queues()
    concurrency = concurrency or settings.worker.concurrency
    stop = threading.Event()
    # Before anything creates a metric: prefork pool children count through its files.
    management = observability.worker(settings, stop, concurrency)
    database = wiring.database(settings)
    ensure_schema(database)
    transport = wiring.celery_transport(settings)
    storage = wiring.storage(settings)
    service = WorkerService(database, transport, storage=storage, http=settings.http,
                            secrets=wiring.secret_provider(),
                            cipher=wiring.secret_cipher(settings),
                            max_output_bytes=settings.worker.max_output_bytes,
                            storage_outage_seconds=settings.worker.storage_outage_seconds,
                            script_envs=wiring.script_environments(settings),
                            sandbox=wiring.script_sandbox(settings),
                            script_limits=wiring.script_limits(settings),
                            local_files=wiring.local_files(settings.local_files))
    heartbeat = start_heartbeat(settings, "worker",
                                {"queues": queues, "concurrency": concurrency,
                                 "pool": settings.worker.pool},
                                running=service.running_attempts, health=management.health)
    service.worker_id, service.on_change = heartbeat.id, heartbeat.wake
    service.list_now = heartbeat.beat_now
    heartbeat.on_revived = service.watch_silence(stop).declared_dead
    unsubscribe = transport.subscribe_broadcast(KILL_CHANNEL, service.on_kill)
    on_stop(stop, lambda: (heartbeat.draining(),
                           service.drain(settings.worker.shutdown_grace_seconds)))
    try:
        transport.consume(queues, service.handle, stop=stop, pool=settings.worker.pool,
                          concurrency=concurrency, claim=service.take_claim())
    finally:
        stop.set()
        unsubscribe()
        service.logs.close()
        heartbeat.stop()
        management.close()
        storage.close()


@click.group()
def server() -> None:
    """Run several services in one process."""


@server.command("local")
@click.option("--workers", type=int, default=4, help="Task attempts run at once.")
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True, show_default=True,
              help="Also fire Schedule triggers (PODIUM_SCHEDULER__* settings).")
@click.option("--webserver/--no-webserver", "with_webserver", default=True, show_default=True,
              help="Also serve the REST API and the web UI (/ui) on --host/--port.")
@click.option("--host", default=None, help="Address of the API and UI (default: "
                                           "PODIUM_API__HOST, 127.0.0.1: this machine only).")
@click.option("--port", type=int, default=None,
              help="Port of the API and UI (default: PODIUM_API__PORT, 8080; when the "
                   "default is taken, the next free port).")
def server_local(workers: int, with_scheduler: bool, with_webserver: bool, host: str | None,
                 port: int | None) -> None:
    """Executor, workers, scheduler and webserver together on the embedded default, until
    Ctrl-C. Other podium commands on the same data folder reach it through its API."""
    settings = Settings()
    _logging(settings)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    wiring.worker_http(settings)
    folder = settings.data_dir
    refuse_if_served(folder)
    with Runtime.embedded(folder, workers=workers,
                          scheduler=settings.scheduler if with_scheduler else False,
                          script_env_dir=settings.worker.script_env_dir) as runtime, \
            _webserver(runtime, settings, with_webserver, host, port) as (url, token), \
            announce(folder, url, token):
        click.echo(f"podium local server running on {folder} (Ctrl-C to stop)")
        try:
            done.wait()
        except KeyboardInterrupt:
            pass


@contextlib.contextmanager
def _webserver(runtime: Runtime, settings: Settings, enabled: bool, host: str | None,
               port: int | None) -> Iterator[tuple[str | None, str | None]]:
    """The API and the UI over the embedded runtime, in a thread (the main one waits for
    Ctrl-C or SIGTERM, then leaves the runtime cleanly). Yields the API's URL and the
    token the CLI uses (None, None when disabled); prints where it is and the login it
    created, if the user configured none."""
    if not enabled:
        yield None, None
        return
    from podium.api import create_app
    from podium.api.server import ServerThread

    credentials = local_credentials(settings.api)
    app = create_app(runtime, credentials.api)
    wanted = port if port is not None else settings.api.port
    explicit = port is not None or "port" in settings.api.model_fields_set
    with ServerThread(app, host or settings.api.host, wanted, explicit=explicit,
                      what="podium server local: API (--port, PODIUM_API__PORT)") as served:
        moved = moved_note(wanted, served.socket.getsockname()[1])
        click.echo(f"podium {moved}web UI on {served.url}/ui, API on {served.url}/api/v1")
        if credentials.login:
            user, password = credentials.login
            click.echo(f"log in as {user} / {password} (created for this run; "
                       "PODIUM_API__USERS sets your own)")
        yield served.url, credentials.token


@server.command("standalone")
@click.option("--host", default=None, help="Address of the REST API (default: PODIUM_API__HOST).")
@click.option("--port", type=int, default=None, help="Port of the REST API (default: PODIUM_API__PORT).")
@click.option("--workers", type=int, default=None,
              help="Task attempts the worker runs at once (default: PODIUM_WORKER__CONCURRENCY).")
@click.option("--migrate/--no-migrate", default=True, show_default=True,
              help="Apply pending migrations first.")
@click.option("--webserver/--no-webserver", "with_webserver", default=True, show_default=True,
              help="Also serve the REST API.")
def server_standalone(host: str | None, port: int | None, workers: int | None, migrate: bool,
                      with_webserver: bool) -> None:
    """Executor, worker, scheduler and webserver of a deployment (PODIUM_DATABASE__URL,
    PODIUM_BROKER__URL, storage settings) in one container, each in its own process."""
    from podium.standalone import Supervisor, component_commands

    settings = Settings()
    _logging(settings)
    if migrate:
        upgrade(settings.database.url)
    commands = component_commands(host or settings.api.host,
                                  port if port is not None else settings.api.port, workers,
                                  with_webserver)
    raise SystemExit(Supervisor(commands).run())
