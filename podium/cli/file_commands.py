"""`podium execution files` and `podium execution download`: the stored files of executions.

Both read the store and the internal storage the settings describe (PODIUM_*), like the
other execution commands; `--data-dir` points them at an embedded run's folder instead
(`podium run --data-dir DIR` keeps its SQLite database and storage there), and `--server`
at an API (podium/cli/backend.py).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options
from podium.common.storage.base import CHUNK_SIZE

DATA_DIR = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="An embedded run's folder (default: settings).")


@click.command("files")
@click.argument("execution_id")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@DATA_DIR
@backend_options
def files(execution_id: str, output_format: str, backend: Backend) -> None:
    """List the stored files of an execution (FILE inputs, task outputs): URI and size."""
    entries = backend.execution_files(execution_id)
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2))
        return
    for entry in entries:
        click.echo(f"{entry['uri']}  {entry['size']}")


@click.command("download")
@click.argument("uri")
@click.option("--output", "-o", "target", type=click.Path(path_type=Path), default=None,
              help="File (or existing directory) to write; default: standard output.")
@DATA_DIR
@backend_options
def download(uri: str, target: Path | None, backend: Backend) -> None:
    """Copy the stored file URI (kestra:///...) to a local file or to standard output,
    streamed in chunks. With --server, only files of executions."""
    try:
        with backend.open_file(uri) as source:
            if target is None:
                shutil.copyfileobj(source, sys.stdout.buffer, CHUNK_SIZE)
                sys.stdout.buffer.flush()
            else:
                written = write_atomically(source, target, uri.rsplit("/", 1)[-1])
                click.echo(f"{uri} -> {written}", err=True)
    except OSError as exc:
        raise click.ClickException(str(exc)) from None


def write_atomically(source, target: Path, name: str) -> Path:
    """Write to a temporary file beside `target`, renamed at the end: an interrupted
    download never leaves a truncated file under the final name."""
    if target.is_dir():
        target = target / name
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".podium-download-")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK_SIZE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
