"""`@backend_options`: the `--server` options every command that has two modes takes, and
the one place that picks the command's `Backend` (podium/cli/backend.py) from them:

- `--server URL` (PODIUM_SERVER): that API;
- else, on an embedded data folder (the SQLite default) that a `podium server local`
  serves: its API, found through the folder's server.json (podium/local_server.py), since
  only that process runs the folder's executor and workers;
- else the store the settings describe, in this process (LocalBackend).

A PodiumError out of the command is reported the way each mode always has: `error: ...`
through an API, click's `Error: ...` on the store; both exit with code 1.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from podium.cli.http_backend import HttpBackend
from podium.cli.local_backend import LocalBackend
from podium.common.errors import PodiumError
from podium.common.settings import Settings
from podium.local_server import LocalServer, find


def backend_options(command: Callable) -> Callable:
    """Add --server/--user/--password/--token; the command gets `backend`: an HttpBackend
    when a server is given, else a LocalBackend (of `--data-dir` when the command has that
    option), closed when the command ends."""

    @click.option("--server", envvar="PODIUM_SERVER", default=None, metavar="URL",
                  help="Call this Podium API instead of the store (env PODIUM_SERVER).")
    @click.option("--user", envvar="PODIUM_SERVER_USER", default=None,
                  help="Basic-auth user for --server.")
    @click.option("--password", envvar="PODIUM_SERVER_PASSWORD", default=None,
                  help="Basic-auth password for --server.")
    @click.option("--token", envvar="PODIUM_SERVER_TOKEN", default=None,
                  help="Bearer API token for --server.")
    @functools.wraps(command)
    def wrapper(*args: Any, server: str | None, user: str | None, password: str | None,
                token: str | None, **kwargs: Any) -> Any:
        data_dir = kwargs.pop("data_dir", None)  # an embedded run's folder: local only
        settings = Settings(data_dir=data_dir) if data_dir else Settings()
        served = None if server else _local_server(settings)
        if served is not None and served.url is not None:
            server, user, password, token = served.url, None, None, served.token
        if server:
            with HttpBackend(server, user=user, password=password, token=token) as backend:
                try:
                    return command(*args, backend=backend, **kwargs)
                except PodiumError as exc:
                    click.echo(f"error: {exc}", err=True)
                    sys.exit(1)
        with LocalBackend(settings, served) as local:
            try:
                return command(*args, backend=local, **kwargs)
            except PodiumError as exc:
                raise click.ClickException(str(exc)) from None
    return wrapper


def _local_server(settings: Settings) -> LocalServer | None:
    """The process serving the settings' embedded data folder, if they name one."""
    if not LocalBackend.is_embedded(settings):
        return None
    return find(settings.data_dir)
