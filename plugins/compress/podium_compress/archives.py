"""Archive containers: Kestra's ArchiveAlgorithm values, with what Python can do.

Written and read: ZIP and JAR (zipfile; a JAR is a ZIP), TAR (tarfile, POSIX/pax headers so
long names and large files fit), AR (the common Unix format, names of up to 16 characters
written, GNU long names read) and CPIO (the "newc" format Apache Commons Compress writes).
ARJ and DUMP are refused. Readers give regular files only: directories are implied by the
paths, links and devices are skipped (never created), so no entry can point outside.
"""

from __future__ import annotations

import os
import stat
import tarfile
import time
import zipfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from podium.sdk import TaskFailure


class ArchiveAlgorithm(str, Enum):
    AR = "AR"
    ARJ = "ARJ"
    CPIO = "CPIO"
    DUMP = "DUMP"
    JAR = "JAR"
    TAR = "TAR"
    ZIP = "ZIP"


SUPPORTED = (ArchiveAlgorithm.AR, ArchiveAlgorithm.CPIO, ArchiveAlgorithm.JAR,
             ArchiveAlgorithm.TAR, ArchiveAlgorithm.ZIP)
EXTENSIONS = {ArchiveAlgorithm.AR: ".a", ArchiveAlgorithm.CPIO: ".cpio",
              ArchiveAlgorithm.JAR: ".jar", ArchiveAlgorithm.TAR: ".tar",
              ArchiveAlgorithm.ZIP: ".zip"}
# Formats whose reader needs to seek (a ZIP's directory is at its end).
SEEKABLE = (ArchiveAlgorithm.ZIP, ArchiveAlgorithm.JAR)


# What a corrupt or mismatched archive raises, turned into the task's failure.
READ_ERRORS = (tarfile.TarError, zipfile.BadZipFile, UnicodeDecodeError, ValueError)


def require_supported(algorithm: ArchiveAlgorithm) -> None:
    if algorithm not in SUPPORTED:
        names = ", ".join(a.value for a in SUPPORTED)
        raise TaskFailure(f"`algorithm` {algorithm.value} is not supported by Podium; "
                          f"supported: {names}")


@dataclass
class Entry:
    name: str  # as written in the archive
    kind: str  # "file", "dir" or "other" (links, devices: skipped)
    stream: BinaryIO | None  # the content of a file, valid until the next entry


class Writer(Protocol):
    def add(self, name: str, path: Path) -> None: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------- ZIP, JAR, TAR
class _Forward:
    """Write-only view of a stream: a compressor's stream claims it can seek, forward only,
    which would lead zipfile to seek back; without tell() zipfile writes in one pass."""

    def __init__(self, out: BinaryIO) -> None:
        self.write, self.flush = out.write, out.flush


class _ZipWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._zip = zipfile.ZipFile(_Forward(out), "w",  # type: ignore[arg-type]
                                    zipfile.ZIP_DEFLATED)

    def add(self, name: str, path: Path) -> None:
        with open(path, "rb") as src, self._zip.open(name, "w", force_zip64=True) as dst:
            _copy(src, dst)

    def close(self) -> None:
        self._zip.close()


class _TarWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT)

    def add(self, name: str, path: Path) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = path.stat().st_size, int(time.time()), 0o644
        with open(path, "rb") as src:
            self._tar.addfile(info, src)

    def close(self) -> None:
        self._tar.close()


def _read_zip(path: Path) -> Iterator[Entry]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                yield Entry(info.filename, "dir", None)
                continue
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                yield Entry(info.filename, "other", None)
                continue
            with archive.open(info) as stream:
                yield Entry(info.filename, "file", stream)  # type: ignore[arg-type]


def _read_tar(stream: BinaryIO) -> Iterator[Entry]:
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            if member.isfile():
                yield Entry(member.name, "file", archive.extractfile(member))
            else:
                yield Entry(member.name, "dir" if member.isdir() else "other", None)


# ---------------------------------------------------------------- AR
_AR_MAGIC = b"!<arch>\n"


class _ArWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        out.write(_AR_MAGIC)

    def add(self, name: str, path: Path) -> None:
        encoded = name.encode()
        if len(encoded) > 16 or "/" in name or " " in name:
            raise TaskFailure(f"AR entry names are at most 16 characters, without '/' or "
                              f"spaces: '{name}' does not fit")
        size = path.stat().st_size
        header = (encoded.ljust(16) + str(int(time.time())).encode().ljust(12)
                  + b"0".ljust(6) + b"0".ljust(6) + b"100644".ljust(8)
                  + str(size).encode().ljust(10) + b"`\n")
        self._out.write(header)
        with open(path, "rb") as src:
            _copy(src, self._out)
        if size % 2:
            self._out.write(b"\n")

    def close(self) -> None:
        self._out.flush()


def _read_ar(stream: BinaryIO) -> Iterator[Entry]:
    if stream.read(8) != _AR_MAGIC:
        raise TaskFailure("Not an AR archive (no '!<arch>' header)")
    long_names = b""
    while header := stream.read(60):
        if len(header) < 60 or header[58:60] != b"`\n":
            raise TaskFailure("Corrupt AR archive: truncated or invalid entry header")
        raw_name, size = header[:16].rstrip(b" "), int(header[48:58].strip() or 0)
        body = _Limited(stream, size)
        if raw_name == b"//":  # GNU table of long names
            long_names = body.read(size)
        elif raw_name != b"/":  # "/" is the symbol table
            if raw_name.startswith(b"/") and raw_name[1:].isdigit():
                start = int(raw_name[1:])
                raw_name = long_names[start:long_names.index(b"/\n", start)]
            elif raw_name.startswith(b"#1/"):  # BSD long name, before the data
                raw_name = body.read(int(raw_name[3:]))
            yield Entry(raw_name.rstrip(b"/").decode(errors="replace"), "file", body)  # type: ignore[arg-type]
        body.skip_rest()
        if size % 2:
            stream.read(1)


# ---------------------------------------------------------------- CPIO (newc)
_CPIO_MAGIC = b"070701"
_TRAILER = "TRAILER!!!"


class _CpioWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._inode = 0

    def _header(self, name: str, mode: int, size: int) -> None:
        encoded = name.encode() + b"\0"
        self._inode += 1
        fields = [self._inode, mode, 0, 0, 1, int(time.time()), size, 0, 0, 0, 0,
                  len(encoded), 0]
        header = _CPIO_MAGIC + b"".join(b"%08X" % value for value in fields) + encoded
        self._out.write(header + b"\0" * (-len(header) % 4))

    def add(self, name: str, path: Path) -> None:
        size = path.stat().st_size
        self._header(name, stat.S_IFREG | 0o644, size)
        with open(path, "rb") as src:
            _copy(src, self._out)
        self._out.write(b"\0" * (-size % 4))

    def close(self) -> None:
        self._header(_TRAILER, 0, 0)
        self._out.flush()


def _read_cpio(stream: BinaryIO) -> Iterator[Entry]:
    while True:
        header = stream.read(110)
        if len(header) < 110 or header[:6] not in (_CPIO_MAGIC, b"070702"):
            raise TaskFailure("Not a CPIO archive in the newc format, or a truncated one")
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, name_size = fields[1], fields[6], fields[11]
        name = stream.read(name_size)[:-1].decode(errors="replace")
        stream.read(-(110 + name_size) % 4)
        if name == _TRAILER:
            return
        body = _Limited(stream, size)
        kind = "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else "other"
        yield Entry(name, kind, body if kind == "file" else None)  # type: ignore[arg-type]
        body.skip_rest()
        stream.read(-size % 4)


# ---------------------------------------------------------------- shared
class _Limited:
    """The next `size` bytes of a stream, as a stream."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream, self._left = stream, size

    def read(self, size: int = -1) -> bytes:
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(wanted)
        if len(data) < wanted:
            raise TaskFailure("Truncated archive: an entry ends before its declared size")
        self._left -= len(data)
        return data

    def skip_rest(self) -> None:
        while self._left:
            self.read(1 << 16)


def _copy(src: BinaryIO, dst: BinaryIO) -> None:
    while chunk := src.read(1 << 16):
        dst.write(chunk)


def open_writer(algorithm: ArchiveAlgorithm, out: BinaryIO) -> Writer:
    require_supported(algorithm)
    if algorithm in (ArchiveAlgorithm.ZIP, ArchiveAlgorithm.JAR):
        return _ZipWriter(out)
    if algorithm is ArchiveAlgorithm.TAR:
        return _TarWriter(out)
    if algorithm is ArchiveAlgorithm.AR:
        return _ArWriter(out)
    return _CpioWriter(out)


def read_entries(algorithm: ArchiveAlgorithm, source: BinaryIO | os.PathLike[str]
                 ) -> Iterator[Entry]:
    """The entries of an archive: a path for the SEEKABLE formats, else a stream."""
    require_supported(algorithm)
    if algorithm in SEEKABLE:
        return _read_zip(Path(source))  # type: ignore[arg-type]
    if algorithm is ArchiveAlgorithm.TAR:
        return _read_tar(source)  # type: ignore[arg-type]
    if algorithm is ArchiveAlgorithm.AR:
        return _read_ar(source)  # type: ignore[arg-type]
    return _read_cpio(source)  # type: ignore[arg-type]
