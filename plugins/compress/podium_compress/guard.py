"""Safety of extraction: entry names that stay inside the target, and a cap on what a
small input may expand to (a decompression bomb).

An entry name is refused when it is absolute, has a `..` part or a backslash, or is empty.
The bytes written out of one task run are capped by `maxSize` (default 8 GiB) and, once
more than ``RATIO_FLOOR`` (64 MiB) came out, by `maxRatio` times the size of the input
(default 200: ordinary text compresses 3 to 30 times; a zip bomb over a thousand times).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import BinaryIO

from podium.sdk import TaskFailure

DEFAULT_MAX_SIZE = "8GiB"
DEFAULT_MAX_RATIO = 200
RATIO_FLOOR = 64 << 20
_SIZE = re.compile(r"\s*(\d+)\s*(|B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)\s*", re.IGNORECASE)
_FACTORS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(value: int | str, field: str) -> int:
    """4096, '512MiB', '8GiB' -> bytes (K, M, G, T are powers of 1024)."""
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.fullmatch(value)
        if match is None:
            raise TaskFailure(f"`{field}` '{value}' is not a size such as 512MiB or 8GiB")
        size = int(match.group(1)) * _FACTORS[match.group(2)[:1].lower()]
    if size <= 0:
        raise TaskFailure(f"`{field}` must be more than 0 bytes")
    return size


def safe_name(name: str) -> str:
    """The entry's relative path, normalized; TaskFailure when it would leave the folder."""
    cleaned = name
    parts = PurePosixPath(cleaned).parts
    if (not cleaned or "\\" in cleaned or cleaned.startswith("/") or "\0" in cleaned
            or any(part == ".." for part in parts)):
        raise TaskFailure(f"Archive entry '{name}' is refused: its path leaves the extraction "
                          "folder (absolute, '..' or backslash); nothing more is extracted")
    kept = [part for part in parts if part not in (".", "")]
    if not kept:
        raise TaskFailure(f"Archive entry '{name}' has no file name")
    return "/".join(kept)


class Budget:
    """Counts the bytes that come out of one decompression and stops a bomb."""

    def __init__(self, max_size: int, max_ratio: int, input_size: int) -> None:
        self.max_size = max_size
        self.max_ratio = max_ratio
        self.input_size = max(input_size, 1)
        self.total = 0

    def spend(self, count: int) -> None:
        self.total += count
        if self.total > self.max_size:
            raise TaskFailure(f"Decompressed data exceeds maxSize ({self.max_size} bytes): "
                              "refused as a possible decompression bomb")
        if self.total > RATIO_FLOOR and self.total > self.max_ratio * self.input_size:
            raise TaskFailure(
                f"Decompressed data is more than maxRatio ({self.max_ratio}) times its "
                f"input ({self.input_size} bytes): refused as a possible decompression bomb")


class Metered:
    """A read-only stream over `source` that charges every byte read to `budget`."""

    def __init__(self, source: BinaryIO, budget: Budget) -> None:
        self._source = source
        self._budget = budget

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:  # whole: still charged chunk by chunk
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        data = self._source.read(size)
        self._budget.spend(len(data))
        return data

    def readable(self) -> bool:
        return True
