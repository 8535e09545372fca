"""io.kestra.plugin.core.storage.{Concat, Split, Size, Delete, Reverse, Write,
PurgeCurrentExecutionFiles} on a worker (legacy names io.kestra.core.tasks.storages.*).
LocalFiles is in local_files.py; DeduplicateItems and FilterItems in storage_items.py.

Every file is streamed, never held whole: Concat copies in chunks, Split writes one line at
a time and stores each part as soon as it is complete (then removes it), Reverse reads its
local copy backwards in blocks. Outputs are Kestra's: Concat `uri`, Split `uris`, Size
`size`, Delete `uri` and `deleted`, Reverse `uri`, Write `uri`, PurgeCurrentExecutionFiles
`uris`.

Every URI a task reads or deletes goes through the execution's FileScope
(common.storage.access): its own files, those of the execution that triggered it, its
namespace's files. Kestra lets Size and Delete reach any file of the flow's namespace;
Podium keeps them to what the execution may read.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from podium.common.plugins.tasks.storage import (
    Concat,
    Delete,
    PurgeCurrentExecutionFiles,
    Reverse,
    Size,
    Split,
    Write,
)
from podium.common.storage.base import CHUNK_SIZE
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.line_files import (
    byte_lines,
    iter_split,
    parse_size,
    positive_count,
    reversed_lines,
)

# Lines between two kill checks of the line-by-line tasks.
CHECK_EVERY = 10_000


def storage_uri(ctx: RunContext, value: Any, what: str) -> str:
    """A rendered property that must be an internal storage URI."""
    uri = str(ctx.render(value)).strip()
    if not uri.startswith("kestra:"):
        raise TaskFailure(f"`{what}` must be an internal storage URI (kestra:///...), "
                          f"got '{uri}'")
    return uri


def extension_of(uri: str) -> str:
    """`.csv` of `.../data.csv`; `.tmp` without one, as Kestra names its temporary files."""
    return PurePosixPath(uri).suffix or ".tmp"


def checked(lines: Iterable[bytes], ctx: RunContext) -> Iterator[bytes]:
    """`lines`, with a kill / timeout check every CHECK_EVERY lines."""
    for number, line in enumerate(lines):
        if number % CHECK_EVERY == 0:
            ctx.check_killed()
        yield line


def copy_stream(source: IO[bytes], out: IO[bytes], ctx: RunContext) -> None:
    """Copy in CHUNK_SIZE chunks, checking for a kill between chunks."""
    while chunk := source.read(CHUNK_SIZE):
        out.write(chunk)
        ctx.check_killed()


# ---------------------------------------------------------------- Concat
def _file_list(ctx: RunContext, files: list[str] | str) -> list[str]:
    """`files`: a list of URIs (each rendered), or a string rendering to a JSON array."""
    if isinstance(files, str):
        rendered = ctx.render_typed(files)
        if isinstance(rendered, str):
            try:
                rendered = json.loads(rendered)
            except ValueError:
                rendered = None
        if not isinstance(rendered, list) or \
                not all(isinstance(item, str) for item in rendered):
            raise TaskFailure("`files` must render to a JSON array of kestra:// URIs")
        files = rendered
    return [storage_uri(ctx, item, "files") for item in files]


@runs(Concat)
def run_concat(task: Concat, ctx: RunContext) -> dict[str, Any]:
    """The files one after the other, `separator` after each (the last one too, as
    Kestra writes it), stored as `concat<extension>`."""
    uris = _file_list(ctx, task.files)
    separator = None if task.separator is None else str(ctx.render(task.separator)).encode()
    name = "concat" + str(ctx.render(task.extension))
    ctx.output_uri(name)  # an unsafe extension fails before any copy
    target = ctx.working_dir / "concat.part"
    with open(target, "wb") as out:
        for uri in uris:
            with ctx.open_file(uri) as source:
                copy_stream(source, out, ctx)
            if separator:
                out.write(separator)
    return {"uri": ctx.put_file(target, name)}


# ---------------------------------------------------------------- Split
_count = positive_count


@runs(Split)
def run_split(task: Split, ctx: RunContext) -> dict[str, Any]:
    """Kestra's StorageService.split: parts of at most `bytes` (plus one line), `rows`
    lines each, or `partitions` files (round robin). Each line is written followed by
    `separator`. Parts are stored as `1<ext>`, `2<ext>`... with the source's extension."""
    uri = storage_uri(ctx, task.from_, "from")
    extension = extension_of(uri)
    max_bytes = parse_size(str(ctx.render(task.bytes))) if task.bytes is not None else None
    rows, partitions = _count(ctx, task.rows, "rows"), _count(ctx, task.partitions,
                                                              "partitions")
    separator = str(ctx.render(task.separator))
    uris: list[str] = []
    with ctx.open_file(uri) as stream:
        for part in iter_split(checked(byte_lines(stream), ctx), ctx.working_dir, ".part",
                               separator, rows=rows, max_bytes=max_bytes,
                               partitions=partitions):
            uris.append(ctx.put_file(part, f"{len(uris) + 1}{extension}"))
            part.unlink()  # the disk holds one part at a time (all of them: partitions)
    ctx.log("DEBUG", f"{len(uris)} file(s) from {uri}")
    return {"uris": uris}


# ---------------------------------------------------------------- Size and Delete
@runs(Size)
def run_size(task: Size, ctx: RunContext) -> dict[str, Any]:
    return {"size": ctx.file_size(storage_uri(ctx, task.uri, "uri"))}


@runs(Delete)
def run_delete(task: Delete, ctx: RunContext) -> dict[str, Any]:
    uri = storage_uri(ctx, task.uri, "uri")
    deleted = ctx.delete_file(uri)
    if task.error_on_missing and not deleted:
        raise TaskFailure(f"Unable to find file '{uri}'")
    return {"uri": uri, "deleted": deleted}


# ---------------------------------------------------------------- Write
@runs(Write)
def run_write(task: Write, ctx: RunContext) -> dict[str, Any]:
    """The rendered `content` (UTF-8) stored as `write<extension>`, `.tmp` without one.
    Kestra appends the extension as given, so `txt` names a file `...txt`; Podium reads
    `txt` as `.txt`, which is what such a flow means."""
    content = str(ctx.render(task.content))
    extension = ".tmp" if task.extension is None else str(ctx.render(task.extension)).strip()
    if extension and not extension.startswith("."):
        extension = "." + extension
    name = "write" + extension
    ctx.output_uri(name)  # an unsafe extension fails before anything is written
    target = ctx.working_dir / name
    target.write_bytes(content.encode("utf-8"))
    return {"uri": ctx.put_file(target, name)}


# ---------------------------------------------------------------- Reverse
def _line_charset(name: str) -> str:
    """A Python codec for a Java charset name, refused unless it writes line breaks as
    single bytes (UTF-8, ISO-8859-*, windows-125*, ASCII...): lines are found in bytes."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise TaskFailure(f"Unsupported charset '{name}'") from None
    if "\r\n".encode(codec) != b"\r\n":
        raise TaskFailure(f"Charset '{name}' is not supported by Reverse: line breaks must "
                          f"be single bytes (UTF-8, ISO-8859-1, windows-1252...)")
    return codec


@runs(Reverse)
def run_reverse(task: Reverse, ctx: RunContext) -> dict[str, Any]:
    """The lines of `from`, last first, each followed by `separator` (in `charset`)."""
    uri = storage_uri(ctx, task.from_, "from")
    charset = _line_charset(str(ctx.render(task.charset)))
    separator = str(ctx.render(task.separator)).encode(charset)
    name = "reverse" + extension_of(uri)
    ctx.output_uri(name)
    source: Path = ctx.working_dir / "reverse-source.part"
    with ctx.open_file(uri) as stream, open(source, "wb") as out:
        copy_stream(stream, out, ctx)  # storage streams only read forwards
    target = ctx.working_dir / "reverse.part"
    with open(target, "wb") as out:
        for line in reversed_lines(source, ctx.check_killed):
            out.write(line + separator)
    source.unlink()
    return {"uri": ctx.put_file(target, name)}


# ---------------------------------------------------------------- PurgeCurrentExecutionFiles
@runs(PurgeCurrentExecutionFiles)
def run_purge_current_execution_files(task: PurgeCurrentExecutionFiles,
                                      ctx: RunContext) -> dict[str, Any]:
    uris = ctx.delete_execution_files()
    ctx.log("DEBUG", f"{len(uris)} file(s) deleted")
    return {"uris": uris}
