"""The internal storage port: what executor, worker and API may do with stored files.

Public methods take ``kestra:///`` URIs, validate them (see `uris`), check the namespace when
one is given, then call a backend primitive with the validated key. Backends implement only
the primitives, so no backend can skip the path checks.
"""

from __future__ import annotations

import builtins
import io
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Union

from podium.common.errors import StorageNotFoundError
from podium.common.storage.uris import check_in_namespace, key_of, uri_of

# What `put` accepts: the bytes themselves, or a binary stream read in chunks.
Data = Union[bytes, bytearray, memoryview, BinaryIO]

# Read and write buffer of the backends: bounds memory whatever the file size.
CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class StorageEntry:
    """One stored file: its URI, size in bytes and last modification time (aware, UTC)."""

    uri: str
    size: int
    modified: datetime


class Storage(ABC):
    """Files addressed by ``kestra:///`` URIs. Every method raises `StorageError` subclasses:
    `UnsafePathError` for a refused URI (before any I/O), `StorageNotFoundError` for a missing
    file, `StorageError` for a backend failure. `namespace`, when given, must contain the URI.
    Thread-safe; one instance per process is enough."""

    def put(self, uri: str, data: Data, *, namespace: str | None = None) -> str:
        """Store `data` at `uri`, replacing any file there; return the canonical URI.
        A stream is read in chunks from its current position, never whole, and not closed;
        its own errors reach the caller unchanged. A failed put leaves the previous file."""
        key = self._key(uri, namespace)
        stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
        self._write(key, stream)
        return uri_of(key)

    def get(self, uri: str, *, namespace: str | None = None) -> BinaryIO:
        """A binary stream of the file, read lazily. The caller closes it (``with``)."""
        return self._open(self._key(uri, namespace))

    def read_bytes(self, uri: str, *, namespace: str | None = None) -> bytes:
        """The whole file in memory: for small files only (templates, ION rows...)."""
        with self.get(uri, namespace=namespace) as stream:
            return stream.read()

    def exists(self, uri: str, *, namespace: str | None = None) -> bool:
        return self._size(self._key(uri, namespace)) is not None

    def size(self, uri: str, *, namespace: str | None = None) -> int:
        """Size in bytes."""
        key = self._key(uri, namespace)
        size = self._size(key)
        if size is None:
            raise StorageNotFoundError(uri_of(key))
        return size

    def delete(self, uri: str, *, namespace: str | None = None) -> bool:
        """Delete one file. True if it existed; a directory-like prefix is not a file."""
        return self._delete(self._key(uri, namespace))

    def list(self, prefix_uri: str, *,
             namespace: str | None = None) -> builtins.list[StorageEntry]:
        """Every file under `prefix_uri` taken as a directory (``a/b`` lists ``a/b/x`` and
        ``a/b/c/y``, never ``a/bc``), recursively, sorted by URI."""
        return sorted(self._list(self._key(prefix_uri, namespace, prefix=True)),
                      key=lambda entry: entry.uri)

    def delete_prefix(self, prefix_uri: str, *, namespace: str | None = None) -> int:
        """Delete every file under `prefix_uri` (as in `list`); return how many were deleted."""
        return self._delete_prefix(self._key(prefix_uri, namespace, prefix=True))

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections. The instance must not be used afterwards."""

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def _key(uri: str, namespace: str | None, *, prefix: bool = False) -> str:
        key = key_of(uri, prefix=prefix)
        if namespace is not None:
            check_in_namespace(key, namespace)
        return key

    # Backend primitives. `key` is validated: relative, no empty, `.` or `..` segment.
    # Errors carry `uri_of(key)`, the URI the caller knows, never a backend path.

    @abstractmethod
    def _write(self, key: str, stream: BinaryIO) -> None: ...

    @abstractmethod
    def _open(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def _size(self, key: str) -> int | None:
        """Size of the file at `key`, None when there is none."""

    @abstractmethod
    def _delete(self, key: str) -> bool: ...

    @abstractmethod  # builtins.list: in this class body `list` is the method above
    def _list(self, prefix: str) -> builtins.list[StorageEntry]:
        """Files whose key starts with `prefix` + ``/``, in any order."""

    @abstractmethod
    def _delete_prefix(self, prefix: str) -> int: ...
