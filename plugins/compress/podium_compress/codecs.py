"""Stream compressors: Kestra's CompressionAlgorithm values, with what Python can do.

Written and read: GZIP (gzip), BZIP2 (bz2), XZ and LZMA (lzma; LZMA is the legacy
`.lzma` "alone" format, as Apache Commons Compress writes it), DEFLATE (zlib, with its
header, as Commons' default) and ZSTD (zstandard). The others (BROTLI, DEFLATE64, LZ4BLOCK,
LZ4FRAME, SNAPPY, SNAPPYFRAME, Z) are refused with an error naming what is supported.
Everything streams: a writer compresses what is written to it into `raw`, a reader
decompresses `raw` as it is read; closing either leaves `raw` open.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from enum import Enum
from typing import BinaryIO

import zstandard

from podium.sdk import TaskFailure

CHUNK = 1 << 16


class CompressionAlgorithm(str, Enum):
    BROTLI = "BROTLI"
    BZIP2 = "BZIP2"
    DEFLATE = "DEFLATE"
    DEFLATE64 = "DEFLATE64"
    GZIP = "GZIP"
    LZ4BLOCK = "LZ4BLOCK"
    LZ4FRAME = "LZ4FRAME"
    LZMA = "LZMA"
    SNAPPY = "SNAPPY"
    SNAPPYFRAME = "SNAPPYFRAME"
    XZ = "XZ"
    Z = "Z"
    ZSTD = "ZSTD"


SUPPORTED = (CompressionAlgorithm.BZIP2, CompressionAlgorithm.DEFLATE,
             CompressionAlgorithm.GZIP, CompressionAlgorithm.LZMA, CompressionAlgorithm.XZ,
             CompressionAlgorithm.ZSTD)
# The usual file name extension of each, for the names of the files written.
EXTENSIONS = {CompressionAlgorithm.BZIP2: ".bz2", CompressionAlgorithm.DEFLATE: ".zz",
              CompressionAlgorithm.GZIP: ".gz", CompressionAlgorithm.LZMA: ".lzma",
              CompressionAlgorithm.XZ: ".xz", CompressionAlgorithm.ZSTD: ".zst"}


def require_supported(algorithm: CompressionAlgorithm) -> None:
    if algorithm not in SUPPORTED:
        names = ", ".join(a.value for a in SUPPORTED)
        raise TaskFailure(f"`compression` {algorithm.value} is not supported by Podium; "
                          f"supported: {names}")


class _ZlibWriter(io.RawIOBase):
    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._zlib = zlib.compressobj()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self._raw.write(self._zlib.compress(data))
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._raw.write(self._zlib.flush())
        super().close()


class _ZlibReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._zlib = zlib.decompressobj()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while True:
            if self._zlib.unconsumed_tail:
                data = self._zlib.decompress(self._zlib.unconsumed_tail, len(buffer))
            elif self._zlib.eof:
                return 0
            else:
                compressed = self._raw.read(CHUNK)
                if not compressed:
                    raise zlib.error("truncated DEFLATE stream")
                data = self._zlib.decompress(compressed, len(buffer))
            if data:
                buffer[:len(data)] = data
                return len(data)


def open_writer(algorithm: CompressionAlgorithm, raw: BinaryIO) -> BinaryIO:
    require_supported(algorithm)
    if algorithm is CompressionAlgorithm.GZIP:
        return gzip.GzipFile(fileobj=raw, mode="wb")  # type: ignore[return-value]
    if algorithm is CompressionAlgorithm.BZIP2:
        return bz2.BZ2File(raw, "wb")  # type: ignore[return-value]
    if algorithm in (CompressionAlgorithm.XZ, CompressionAlgorithm.LZMA):
        fmt = lzma.FORMAT_XZ if algorithm is CompressionAlgorithm.XZ else lzma.FORMAT_ALONE
        return lzma.LZMAFile(raw, "wb", format=fmt)  # type: ignore[return-value]
    if algorithm is CompressionAlgorithm.ZSTD:
        return zstandard.ZstdCompressor().stream_writer(raw, closefd=False)  # type: ignore[return-value]
    return io.BufferedWriter(_ZlibWriter(raw), CHUNK)  # type: ignore[return-value]


def open_reader(algorithm: CompressionAlgorithm, raw: BinaryIO) -> BinaryIO:
    require_supported(algorithm)
    if algorithm is CompressionAlgorithm.GZIP:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if algorithm is CompressionAlgorithm.BZIP2:
        return bz2.BZ2File(raw, "rb")  # type: ignore[return-value]
    if algorithm in (CompressionAlgorithm.XZ, CompressionAlgorithm.LZMA):
        fmt = lzma.FORMAT_XZ if algorithm is CompressionAlgorithm.XZ else lzma.FORMAT_ALONE
        return lzma.LZMAFile(raw, "rb", format=fmt)  # type: ignore[return-value]
    if algorithm is CompressionAlgorithm.ZSTD:
        return zstandard.ZstdDecompressor().stream_reader(  # type: ignore[return-value]
            raw, closefd=False, read_across_frames=True)
    return io.BufferedReader(_ZlibReader(raw), CHUNK)  # type: ignore[return-value]


# What a corrupt or mismatched stream raises, turned into the task's failure.
DECODE_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, zstandard.ZstdError)
