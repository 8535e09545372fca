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
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from common.errors import PodiumError
from common.kv import KVEntry, KVStore, KVType, guess_value, parse_as
from common.settings import Settings
from common.store import upgrade_database
from podium import wiring
from podium.cli import remote as api
from podium.cli.remote import remote_options

NAMESPACE = re.compile(r"[a-z0-9][a-z0-9._-]*")
TYPES = click.Choice([t.value for t in KVType], case_sensitive=False)


@contextmanager
def _store() -> Iterator[KVStore]:
    settings = Settings()
    if settings.database.url.startswith("sqlite"):  # the embedded default
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = wiring.database(settings)
    try:
        if database.is_sqlite:  # nothing else migrates the embedded database
            upgrade_database(database)
        yield KVStore(database)
    except PodiumError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        database.dispose()


def _namespace(_ctx, _param, value: str) -> str:
    if not NAMESPACE.fullmatch(value):
        raise click.BadParameter(f"'{value}' is not a namespace (lowercase letters, digits, "
                                 f"'.', '_' and '-', starting with a letter or digit)")
    return value


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _as_json(entry: KVEntry) -> dict:
    return {"namespace": entry.namespace, "key": entry.key, "type": entry.type.value,
            "value": entry.value, "created": entry.created.isoformat(),
            "updated": entry.updated.isoformat(),
            "expires": entry.expires.isoformat() if entry.expires else None}


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
@remote_options
def set_command(namespace: str, key: str, value: str | None, kv_type: str | None,
                ttl: str | None, file_value: Path | None, overwrite: bool, remote=None) -> None:
    """Set KEY of NAMESPACE to VALUE."""
    if file_value is not None:
        value = file_value.read_text()
    if value is None:
        raise click.UsageError("give a VALUE or --file")
    if remote:
        return api.kv_set(remote, namespace, key, value, kv_type, ttl, overwrite)
    with _store() as store:
        typed = parse_as(value, KVType(kv_type.upper())) if kv_type else guess_value(value)
        store.put(namespace, key, typed, ttl=ttl, overwrite=overwrite)
        click.echo(f"{namespace}/{key} set ({typed.type.value})")


@kv.command("get")
@click.argument("namespace", callback=_namespace)
@click.argument("key")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@remote_options
def get_command(namespace: str, key: str, output_format: str, remote=None) -> None:
    """Print the value of KEY (exit 1 when it is missing or expired)."""
    if remote:
        return api.kv_get(remote, namespace, key, output_format)
    with _store() as store:
        entry = store.get(namespace, key)
    if entry is None:
        click.echo(f"error: no value for key '{key}' in namespace '{namespace}'", err=True)
        sys.exit(1)
    click.echo(json.dumps(_as_json(entry)) if output_format == "json" else _shown(entry.value))


@kv.command("list")
@click.argument("namespace", callback=_namespace)
@click.option("--prefix", default=None, help="Only keys starting with this.")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@remote_options
def list_command(namespace: str, prefix: str | None, output_format: str, remote=None) -> None:
    """List the live keys of NAMESPACE with their type and expiration."""
    if remote:
        return api.kv_list(remote, namespace, prefix, output_format)
    with _store() as store:
        entries = store.list(namespace, prefix)
    if output_format == "json":
        click.echo(json.dumps([_as_json(entry) for entry in entries]))
        return
    for entry in entries:
        expires = f"  expires {entry.expires:%Y-%m-%d %H:%M:%S}Z" if entry.expires else ""
        click.echo(f"{entry.key}  {entry.type.value}{expires}")


@kv.command("delete")
@click.argument("namespace", callback=_namespace)
@click.argument("key")
@remote_options
def delete_command(namespace: str, key: str, remote=None) -> None:
    """Delete KEY (exit 1 when it did not exist)."""
    if remote:
        return api.kv_delete(remote, namespace, key)
    with _store() as store:
        deleted = store.delete(namespace, key)
    if not deleted:
        click.echo(f"error: no key '{key}' in namespace '{namespace}'", err=True)
        sys.exit(1)
    click.echo(f"{namespace}/{key} deleted")
