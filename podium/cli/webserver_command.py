"""`podium webserver`: the REST API (package `api/`) over a deployment, or over an
embedded runtime for a laptop (`--embedded`)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from podium.common.settings import Settings


@click.command()
@click.option("--host", default=None, help="Address to bind (default: PODIUM_API__HOST, "
                                           "127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: PODIUM_API__PORT, 8080).")
@click.option("--embedded", is_flag=True,
              help="Run the executor and workers in this process too (SQLite and local "
                   "storage in --data-dir), instead of connecting to a deployment.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --embedded: where the database and files live (default: "
                   "PODIUM_DATA_DIR).")
def webserver(host: str | None, port: int | None, embedded: bool,
              data_dir: Path | None) -> None:
    """Serve the REST API (Kestra's /api/v1 paths) until interrupted.

    Credentials are required on every route but /health and webhooks: set
    PODIUM_API__USERS and/or PODIUM_API__TOKENS (PODIUM_API__AUTH=false turns auth off).
    """
    from podium import observability
    from podium.api import create_app
    from podium.api.server import serve
    from podium.lifecycle import configure_service, start_heartbeat
    from podium.runtime import Runtime

    settings = Settings()
    configure_service(settings)
    if embedded:
        runtime = Runtime.embedded(data_dir or settings.data_dir,
                                   script_env_dir=settings.worker.script_env_dir)
    else:  # the schema is migrated by `podium db upgrade`, not by every API replica
        runtime = Runtime.connect(settings)
    app = create_app(runtime, settings.api)
    with runtime:
        if not embedded:
            management = observability.webserver(settings, app)
            heartbeat = start_heartbeat(
                settings, "webserver",
                {"port": port if port is not None else settings.api.port},
                health=management.health)
            # uvicorn re-raises SIGTERM once it has shut down, so a `finally` would not
            # run: the app's shutdown hooks deregister and close instead.
            app.router.on_shutdown.append(heartbeat.stop)
            app.router.on_shutdown.append(management.close)
        ready_file = os.environ.get("PODIUM_READY_FILE")
        if ready_file:  # fleets and probes wait for it, as for the other services
            app.router.on_startup.append(lambda: Path(ready_file).write_text(str(os.getpid())))
        serve(app, host or settings.api.host, port if port is not None else settings.api.port)
