"""`podium webserver`: the REST API (package `api/`) over a deployment, or over an
embedded runtime for a laptop (`--embedded`)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from podium.common.ports import moved_note
from podium.common.settings import Settings


@click.command()
@click.option("--host", default=None, help="Address to bind (default: PODIUM_API__HOST, "
                                           "127.0.0.1).")
@click.option("--port", type=int, default=None,
              help="Port (default: PODIUM_API__PORT, 8080; when the default is taken, the "
                   "next free port).")
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
    from podium.api.server import address, listen, serve
    from podium.common.store import ensure_schema
    from podium.lifecycle import configure_service, start_heartbeat
    from podium.local_server import local_credentials, publish, refuse_if_served
    from podium.runtime import Runtime

    settings = Settings()
    configure_service(settings)
    wanted = port if port is not None else settings.api.port
    sock = listen(host or settings.api.host, wanted, what="podium webserver",
                  explicit=port is not None or "port" in settings.api.model_fields_set)
    moved = moved_note(wanted, sock.getsockname()[1])
    url = address(sock)
    api = settings.api
    folder = data_dir or settings.data_dir
    if embedded:
        refuse_if_served(folder)
        runtime = Runtime.embedded(folder, script_env_dir=settings.worker.script_env_dir)
        credentials = local_credentials(api)  # the CLI reaches this runtime with its token
        api = credentials.api
    else:  # the schema is migrated by `podium db upgrade`, not by every API replica
        runtime = Runtime.connect(settings)
        ensure_schema(runtime.db)
    app = create_app(runtime, api)
    with runtime:
        if embedded:
            # uvicorn re-raises SIGTERM once shut down (no `finally` runs): a shutdown hook
            # withdraws the announcement, as it deregisters a deployment's webserver below.
            app.router.on_shutdown.append(publish(folder, url, credentials.token))
        else:
            management = observability.webserver(settings, app)
            heartbeat = start_heartbeat(
                settings, "webserver", {"port": sock.getsockname()[1]},
                health=management.health)
            # uvicorn re-raises SIGTERM once it has shut down, so a `finally` would not
            # run: the app's shutdown hooks deregister and close instead.
            app.router.on_shutdown.append(heartbeat.stop)
            app.router.on_shutdown.append(management.close)
        ready_file = os.environ.get("PODIUM_READY_FILE")
        if ready_file:  # fleets and probes wait for it, as for the other services
            app.router.on_startup.append(lambda: Path(ready_file).write_text(str(os.getpid())))
        click.echo(f"podium webserver: {moved}API on {url}/api/v1, web UI on {url}/ui",
                   err=True)
        if embedded and credentials.login:
            click.echo(f"podium webserver: log in as {credentials.login[0]} / "
                       f"{credentials.login[1]} (created for this run)", err=True)
        serve(app, sock)
