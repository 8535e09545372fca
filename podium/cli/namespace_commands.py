"""`podium namespace files list|upload|download|delete`: a namespace's files
(common.storage.namespace_files), in the internal storage the settings describe
(PODIUM_STORAGE__*, or `storage/` under PODIUM_DATA_DIR); `--data-dir` points at an
embedded run's folder instead, `--server` at an API (podium/cli/backend.py).

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

from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options
from podium.cli.file_commands import DATA_DIR, write_atomically
from podium.common.errors import PodiumError
from podium.common.flow.model import NAMESPACE_PATTERN
from podium.common.storage import namespace_files as nsfiles

CONFLICTS = click.Choice(["overwrite", "error", "skip"], case_sensitive=False)


def _namespace(_ctx, _param, value: str) -> str:
    if not re.fullmatch(NAMESPACE_PATTERN, value):
        raise click.BadParameter(f"'{value}' is not a namespace (lowercase letters, digits, "
                                 f"'.', '_' and '-', starting with a letter or digit)")
    return value


@contextmanager
def _reported() -> Iterator[None]:
    """A local file that cannot be read or written ends the command with exit code 1 and
    its message."""
    try:
        yield
    except OSError as exc:
        raise click.ClickException(str(exc)) from None


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
@backend_options
def list_command(namespace: str, path: str | None, output_format: str,
                 backend: Backend) -> None:
    """List the files of NAMESPACE (under the folder PATH): path and size."""
    found = backend.namespace_files(namespace, nsfiles.folder_path(path, "PATH"))
    if output_format == "json":
        click.echo(json.dumps(found, indent=2))
        return
    for file in found:
        click.echo(f"{file['path']}  {file['size']}")


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
@backend_options
def upload_command(namespace: str, source: Path, to: str, conflict: str, delete_first: bool,
                   backend: Backend) -> None:
    """Upload SOURCE (a file, or every file under a directory) as files of NAMESPACE
    under the folder TO (default: the root)."""
    try:
        folder = nsfiles.folder_path(to, "TO")
        uploads = [(nsfiles.join(folder, relative), path)
                   for relative, path in local_files(source)]  # every name checked first
    except PodiumError as exc:
        raise click.ClickException(str(exc)) from None
    with _reported():
        if delete_first:
            click.echo(f"{backend.delete_namespace_folder(namespace, folder)} file(s) deleted")
        for target, path, written in backend.upload_namespace_files(namespace, uploads,
                                                                    conflict.lower()):
            click.echo(f"{path} -> /{target}" + ("" if written else "  (exists: skipped)"))


@files.command("download")
@click.argument("namespace", callback=_namespace)
@click.argument("path", required=False)
@click.option("--output", "-o", "target", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Directory to write into.")
@DATA_DIR
@backend_options
def download_command(namespace: str, path: str | None, target: Path,
                     backend: Backend) -> None:
    """Download the files of NAMESPACE (the file or folder PATH, default: all) into a
    directory, keeping their paths."""
    chosen = backend.chosen_namespace_files(namespace, path)
    if not chosen:
        raise click.ClickException(f"no file {path or ''} in namespace '{namespace}'")
    with _reported():
        for file_path in chosen:
            local = target.joinpath(*file_path.split("/"))
            local.parent.mkdir(parents=True, exist_ok=True)
            with backend.open_namespace_file(namespace, file_path) as stream:
                write_atomically(stream, local, local.name)
            click.echo(f"/{file_path} -> {local}")


@files.command("delete")
@click.argument("namespace", callback=_namespace)
@click.argument("path")
@DATA_DIR
@backend_options
def delete_command(namespace: str, path: str, backend: Backend) -> None:
    """Delete the file PATH of NAMESPACE, or every file under the folder PATH (`/`: all).
    Exit 1 when there is none."""
    deleted = backend.delete_namespace_files(namespace, path)
    if not deleted:
        raise click.ClickException(f"no file {path} in namespace '{namespace}'")
    for file_path in deleted:
        click.echo(f"/{file_path} deleted")
