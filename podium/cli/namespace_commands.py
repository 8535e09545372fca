"""`podium namespace files list|upload|download|delete`: a namespace's files
(common.storage.namespace_files), in the internal storage the settings describe
(PODIUM_STORAGE__*, or `storage/` under PODIUM_DATA_DIR); `--data-dir` points at an
embedded run's folder instead.

Paths inside the namespace are written with or without a leading slash (`/scripts/etl.py`
or `scripts/etl.py`); `..`, `.` and empty segments are refused. Every file is streamed.
`upload NAMESPACE DIR [TO]` is Kestra's `namespace files update`: the files under DIR
(recursively, symlinked directories not followed) become the namespace files under TO.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from common.errors import PodiumError
from common.flow.model import NAMESPACE_PATTERN
from common.settings import Settings
from common.storage import Storage, namespace_file_uri, namespace_files_prefix
from common.storage import namespace_files as nsfiles
from podium import wiring
from podium.cli import remote_namespace
from podium.cli.file_commands import DATA_DIR, write_atomically
from podium.cli.remote import remote_options

CONFLICTS = click.Choice(["overwrite", "error", "skip"], case_sensitive=False)


def _namespace(_ctx, _param, value: str) -> str:
    if not re.fullmatch(NAMESPACE_PATTERN, value):
        raise click.BadParameter(f"'{value}' is not a namespace (lowercase letters, digits, "
                                 f"'.', '_' and '-', starting with a letter or digit)")
    return value


@contextmanager
def _storage(data_dir: Path | None) -> Iterator[Storage]:
    """The settings' storage; any PodiumError (an unsafe path...) ends the command with
    exit code 1 and its message."""
    try:
        storage = wiring.storage(Settings(data_dir=data_dir) if data_dir else Settings())
    except PodiumError as exc:  # a backend missing a setting
        raise click.ClickException(str(exc)) from None
    try:
        yield storage
    except (PodiumError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        storage.close()


@click.group()
def namespace() -> None:
    """Namespaces: their files."""


@namespace.group()
def files() -> None:
    """List, upload, download and delete the files of a namespace."""


@files.command("list")
@click.argument("namespace", callback=_namespace)
@click.argument("path", required=False)
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@DATA_DIR
@remote_options
def list_command(namespace: str, path: str | None, output_format: str,
                 data_dir: Path | None, remote=None) -> None:
    """List the files of NAMESPACE (under the folder PATH): path and size."""
    if remote is not None:
        nsfiles.folder_path(path, "PATH")  # refused here as on the store side
        return remote_namespace.list_files(remote, namespace, path, output_format)
    with _storage(data_dir) as storage:
        found = nsfiles.list_files(storage, namespace, nsfiles.folder_path(path, "PATH"))
    if output_format == "json":
        click.echo(json.dumps([{"path": "/" + f.path, "uri": f.uri, "size": f.size}
                               for f in found], indent=2))
        return
    for file in found:
        click.echo(f"/{file.path}  {file.size}")


def local_files(source: Path) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, path) of each regular file under `source`, sorted."""
    if source.is_file():
        yield source.name, source
        return
    found = []
    for folder, _, names in os.walk(source):
        for name in names:
            path = Path(folder, name)
            if path.is_file():
                found.append((path.relative_to(source).as_posix(), path))
    yield from sorted(found)


@files.command("upload")
@click.argument("namespace", callback=_namespace)
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("to", required=False, default="/")
@click.option("--conflict", type=CONFLICTS, default="overwrite", show_default=True,
              help="What an existing namespace file gets.")
@click.option("--delete", "delete_first", is_flag=True,
              help="First delete every namespace file under TO (a mirror of SOURCE).")
@DATA_DIR
@remote_options
def upload_command(namespace: str, source: Path, to: str, conflict: str, delete_first: bool,
                   data_dir: Path | None, remote=None) -> None:
    """Upload SOURCE (a file, or every file under a directory) as files of NAMESPACE
    under the folder TO (default: the root)."""
    if remote is not None:
        try:
            folder = nsfiles.folder_path(to, "TO")
            uploads = [(nsfiles.join(folder, relative), path)
                       for relative, path in local_files(source)]
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None
        return remote_namespace.upload(remote, namespace, uploads, conflict.lower(),
                                       delete_first, folder)
    with _storage(data_dir) as storage:
        folder = nsfiles.folder_path(to, "TO")
        uploads = [(nsfiles.join(folder, relative), path)
                   for relative, path in local_files(source)]  # every name checked first
        if delete_first:
            prefix = namespace_file_uri(namespace, folder) if folder \
                else namespace_files_prefix(namespace)
            click.echo(f"{storage.delete_prefix(prefix)} file(s) deleted")
        for target, path in uploads:
            with open(path, "rb") as stream:
                _, written = nsfiles.put_file(storage, namespace, target, stream,
                                              conflict.upper())  # type: ignore[arg-type]
            click.echo(f"{path} -> /{target}" + ("" if written else "  (exists: skipped)"))


@files.command("download")
@click.argument("namespace", callback=_namespace)
@click.argument("path", required=False)
@click.option("--output", "-o", "target", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Directory to write into.")
@DATA_DIR
@remote_options
def download_command(namespace: str, path: str | None, target: Path,
                     data_dir: Path | None, remote=None) -> None:
    """Download the files of NAMESPACE (the file or folder PATH, default: all) into a
    directory, keeping their paths."""
    if remote is not None:
        return remote_namespace.download(remote, namespace, path, target)
    with _storage(data_dir) as storage:
        chosen = _chosen(storage, namespace, path)
        if not chosen:
            raise click.ClickException(f"no file {path or ''} in namespace '{namespace}'")
        for file in chosen:
            local = target.joinpath(*file.path.split("/"))
            local.parent.mkdir(parents=True, exist_ok=True)
            with storage.get(file.uri) as stream:
                write_atomically(stream, local, local.name)
            click.echo(f"/{file.path} -> {local}")


@files.command("delete")
@click.argument("namespace", callback=_namespace)
@click.argument("path")
@DATA_DIR
@remote_options
def delete_command(namespace: str, path: str, data_dir: Path | None, remote=None) -> None:
    """Delete the file PATH of NAMESPACE, or every file under the folder PATH (`/`: all).
    Exit 1 when there is none."""
    if remote is not None:
        return remote_namespace.delete(remote, namespace, path)
    with _storage(data_dir) as storage:
        chosen = _chosen(storage, namespace, path)
        deleted = [file for file in chosen if storage.delete(file.uri)]
    if not deleted:
        raise click.ClickException(f"no file {path} in namespace '{namespace}'")
    for file in deleted:
        click.echo(f"/{file.path} deleted")


def _chosen(storage: Storage, namespace: str,
            path: str | None) -> list[nsfiles.NamespaceFile]:
    """The file PATH when there is one, else the files under the folder PATH."""
    folder = nsfiles.folder_path(path, "PATH")
    if folder is not None:
        uri = namespace_file_uri(namespace, folder)
        if storage.exists(uri):
            return [nsfiles.NamespaceFile(namespace, folder, uri, storage.size(uri))]
    return nsfiles.list_files(storage, namespace, folder)
