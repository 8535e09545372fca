"""Line-oriented file helpers shared by ForEachItem's split and the storage tasks (Split,
Reverse, DeduplicateItems, FilterItems). Everything streams: memory holds one line (and a
buffer) at a time, whatever the file size; only a single line longer than the memory
would not fit, as with Kestra's readers.

Lines are read as Java's BufferedReader.readLine returns them: split on ``\\n``, a ``\\r``
before it dropped, no empty last line for a file ending with a newline.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from podium.worker.runnables.base import TaskFailure

_SIZE = re.compile(r"^\s*(\d+)\s*([KMGT]?)B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
_REVERSE_BLOCK = 64 * 1024


def parse_size(text: str) -> int:
    """'10KB', '2MB', '512' -> bytes (powers of 1024, as Kestra reads sizes)."""
    match = _SIZE.match(str(text))
    if not match:
        raise TaskFailure(f"Invalid size with value '{text}'")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def _strip(raw: bytes) -> bytes:
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    return raw[:-1] if raw.endswith(b"\r") else raw


def byte_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of a binary stream, without their terminators."""
    for raw in stream:
        yield _strip(raw)


def _encoded(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def iter_split(lines: Iterable[str | bytes], workdir: Path, extension: str,
               separator: str | bytes, *, rows: int | None = None,
               max_bytes: int | None = None,
               partitions: int | None = None) -> Iterator[Path]:
    """Kestra's StorageService.split, yielding each file once it is complete: by
    `max_bytes` (a file is closed once it reached the size, so it may pass it by one
    line), else `partitions` (round robin, empty ones dropped, all yielded at the end),
    else `rows` per file. Each line is written followed by `separator`; str is UTF-8."""
    sep = _encoded(separator)
    if partitions is not None:
        yield from _partition(lines, workdir, extension, sep, partitions)
        return
    out: IO[bytes] | None = None
    size = count = index = 0
    try:
        for line in lines:
            full = (max_bytes is not None and size >= max_bytes) or \
                (max_bytes is None and rows is not None and count >= rows)
            if out is None or full:
                if out is not None:
                    out.close()
                    yield Path(out.name)
                index += 1
                out, size, count = open(workdir / f"batch-{index}{extension}", "wb"), 0, 0
            data = _encoded(line) + sep
            out.write(data)
            size, count = size + len(data), count + 1
    finally:
        if out is not None and not out.closed:
            out.close()
    if out is not None:
        yield Path(out.name)


def split_into_files(lines: Iterable[str | bytes], workdir: Path, extension: str,
                     separator: str | bytes, *, rows: int | None = None,
                     max_bytes: int | None = None,
                     partitions: int | None = None) -> list[Path]:
    """`iter_split` as a list of every file."""
    return list(iter_split(lines, workdir, extension, separator, rows=rows,
                           max_bytes=max_bytes, partitions=partitions))


def _partition(lines: Iterable[str | bytes], workdir: Path, extension: str, sep: bytes,
               n: int) -> list[Path]:
    paths = [workdir / f"partition-{i + 1}{extension}" for i in range(n)]
    with ExitStack() as stack:
        outs = [stack.enter_context(open(path, "wb")) for path in paths]
        for index, line in enumerate(lines):
            outs[index % n].write(_encoded(line) + sep)
    return [path for path in paths if path.stat().st_size > 0]


def reversed_lines(path: str | os.PathLike,
                   check: Callable[[], None] | None = None) -> Iterator[bytes]:
    """The lines of a local file, last first (commons-io's ReversedLinesFileReader, which
    Kestra's Reverse uses), for charsets that write ``\n`` as that one byte: read
    backwards in blocks, so memory holds one block and the line being assembled. The
    empty line after a final newline is not returned. `check` runs between blocks (a kill
    check)."""
    with open(path, "rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        if position == 0:
            return
        head = b""  # the start of a line whose beginning is in an earlier block
        last = True
        while position > 0:
            if check is not None:
                check()
            size = min(_REVERSE_BLOCK, position)
            position -= size
            handle.seek(position)
            parts = (handle.read(size) + head).split(b"\n")
            head = parts[0]
            for line in reversed(parts[1:]):
                if not (last and line == b""):
                    yield _strip(line)
                last = False
        yield _strip(head)


def positive_count(ctx, value: Any, name: str) -> int | None:
    """A count property (rows, partitions): rendered, a whole number of at least 1."""
    if value is None:
        return None
    rendered = ctx.render_typed(value)
    try:
        number = int(rendered)
    except (TypeError, ValueError):
        raise TaskFailure(f"`{name}` must be a whole number, got '{rendered}'") from None
    if number < 1:
        raise TaskFailure(f"`{name}` must be at least 1, got {number}")
    return number
