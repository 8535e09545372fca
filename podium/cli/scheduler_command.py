"""`podium scheduler`: the scheduler service (scheduler/service.py) until SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import click

from podium import observability, wiring
from podium.common.settings import Settings
from podium.common.store import ensure_schema
from podium.lifecycle import configure_service, start_heartbeat
from podium.scheduler.service import SchedulerService


@click.command()
def scheduler() -> None:
    """Run the scheduler: fires Schedule / ScheduleOnDates triggers until SIGTERM.
    Several replicas may run; each scheduled date still starts one execution."""
    settings = Settings()
    configure_service(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    database = wiring.database(settings)
    ensure_schema(database)
    transport = wiring.celery_transport(settings)
    storage = wiring.storage(settings)  # a polling trigger's logToFile file goes there
    service = SchedulerService(database, transport, settings.scheduler,
                               cipher=wiring.secret_cipher(settings), http=settings.http,
                               input_services=wiring.input_services(settings, database),
                               storage=storage)
    management = observability.scheduler(settings, service, stop)
    ready_file = os.environ.get("PODIUM_READY_FILE")

    def ready() -> None:
        if ready_file:  # fleets and probes wait for it (as for `podium executor`)
            Path(ready_file).write_text(str(os.getpid()))

    heartbeat = start_heartbeat(settings, "scheduler", health=management.health)
    try:
        service.run(stop, ready=ready)
    finally:
        heartbeat.stop()
        service.relay.delete_published()
        management.close()
        storage.close()
        database.dispose()
