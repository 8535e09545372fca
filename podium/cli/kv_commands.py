"""`podium kv ...`: read and write a namespace's KV store.

The store is the deployment's database (PODIUM_DATABASE__URL), or the embedded default,
the SQLite file in PODIUM_DATA_DIR, which is created or migrated on first use. A value
without `--type` is read as Kestra's `kv update` reads it: JSON when it parses (`42`,
`true`, `{"a": 1}`), else an ISO date-time, date or duration, else plain text.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options
from podium.common.errors import PodiumError
from podium.common.kv import KVType

NAMESPACE = re.compile(r"[a-z0-9][a-z0-9._-]*")
TYPES = click.Choice([t.value for t in KVType], case_sensitive=False)


@contextmanager
def _reported() -> Iterator[None]:
    """A PodiumError (a value that does not parse, a key that exists) ends the command with
    `error: ...` and exit code 1."""
    try:
        yield
    except PodiumError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _namespace(_ctx, _param, value: str) -> str:
    if not NAMESPACE.fullmatch(value):
        raise click.BadParameter(f"'{value}' is not a namespace (lowercase letters, digits, "
                                 f"'.', '_' and '-', starting with a letter or digit)")
    return value


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@click.group()
def kv() -> None:
    """Read and write the namespace KV store."""


@kv.command("set")
@click.argument("namespace", callback=_namespace)
@click.argument("key")
@click.argument("value", required=False)
@click.option("--type", "-t", "kv_type", type=TYPES, default=None,
              help="Parse VALUE as this type instead of guessing it.")
@click.option("--ttl", "-e", default=None, metavar="DURATION",
              help="Expire the key after this ISO-8601 duration (PT1H, P7D).")
@click.option("--file", "-f", "file_value", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Read VALUE from this file.")
@click.option("--overwrite/--no-overwrite", default=True,
              help="--no-overwrite fails when the key exists.")
@backend_options
def set_command(namespace: str, key: str, value: str | None, kv_type: str | None,
                ttl: str | None, file_value: Path | None, overwrite: bool,
                backend: Backend) -> None:
    """Set KEY of NAMESPACE to VALUE."""
    if file_value is not None:
        value = file_value.read_text()
    if value is None:
        raise click.UsageError("give a VALUE or --file")
    with _reported():
        stored_type = backend.kv_set(namespace, key, value, kv_type, ttl, overwrite)
    click.echo(f"{namespace}/{key} set ({stored_type})")


@kv.command("get")
@click.argument("namespace", callback=_namespace)
@click.argument("key")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@backend_options
def get_command(namespace: str, key: str, output_format: str, backend: Backend) -> None:
    """Print the value of KEY (exit 1 when it is missing or expired)."""
    with _reported():
        entry = backend.kv_entry(namespace, key)
    if entry is None:
        click.echo(f"error: no value for key '{key}' in namespace '{namespace}'", err=True)
        sys.exit(1)
    click.echo(json.dumps(entry) if output_format == "json" else _shown(entry["value"]))


@kv.command("list")
@click.argument("namespace", callback=_namespace)
@click.option("--prefix", default=None, help="Only keys starting with this.")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@backend_options
def list_command(namespace: str, prefix: str | None, output_format: str,
                 backend: Backend) -> None:
    """List the live keys of NAMESPACE with their type and expiration."""
    with _reported():
        entries = backend.kv_entries(namespace, prefix, with_values=output_format == "json")
    if output_format == "json":
        click.echo(json.dumps(entries))
        return
    for entry in entries:
        expires = f"  expires {datetime.fromisoformat(entry['expires']):%Y-%m-%d %H:%M:%S}Z" \
            if entry["expires"] else ""
        click.echo(f"{entry['key']}  {entry['type']}{expires}")


@kv.command("delete")
@click.argument("namespace", callback=_namespace)
@click.argument("key")
@backend_options
def delete_command(namespace: str, key: str, backend: Backend) -> None:
    """Delete KEY (exit 1 when it did not exist)."""
    with _reported():
        deleted = backend.kv_delete(namespace, key)
    if not deleted:
        click.echo(f"error: no key '{key}' in namespace '{namespace}'", err=True)
        sys.exit(1)
    click.echo(f"{namespace}/{key} deleted")
