"""Which stored files one execution may read, and `read()`'s bounded text read.

The rule is Kestra's (``ReadFileFunction``), applied to every read a flow can cause (the
``read()``, ``fileSize()``, ``fileExists()`` and ``isFileEmpty()`` functions, script ``inputFiles``, URIs in commands): an
execution reads its own files, those of the execution that triggered it (a subflow's
parent, the upstream execution of a Flow trigger: the ``trigger`` variables name it), and
namespace files (its flow's namespace by path or ``nsfile:///``, another one by
``nsfile://<namespace>/``, as Kestra OSS allows). Any other stored file is a
`FileAccessError`, so a flow cannot read another team's outputs by guessing a URI.
``file://`` URIs read host files within the allowed paths (common/storage/local_paths.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from podium.common.errors import FileAccessError, FileTooLargeError, StorageError, UnsafePathError
from podium.common.storage.base import Storage
from podium.common.storage.local_paths import (
    FILE_PREFIX,
    FILE_URI_PREFIXES,
    NSFILE_PREFIX,
    LocalFiles,
    namespace_file_of,
)
from podium.common.storage.uris import (
    URI_PREFIX,
    execution_prefix,
    key_of,
    namespace_file_uri,
    namespace_files_prefix,
)

# read() loads the whole file into the rendered text: past this, it is a task's job.
READ_LIMIT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileScope:
    """The files one execution may read. `parent` is (namespace, flow id, execution id) of
    the execution that triggered it, when there is one."""

    namespace: str | None
    flow_id: str | None
    execution_id: str | None
    parent: tuple[str, str, str] | None = None

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> FileScope:
        """The scope of a render context (its `flow`, `execution` and `trigger` variables)."""
        flow = _mapping(context.get("flow"))
        execution = _mapping(context.get("execution"))
        trigger = _mapping(context.get("trigger"))
        parent = tuple(trigger.get(k) for k in ("namespace", "flowId", "executionId"))
        return cls(flow.get("namespace"), flow.get("id"), execution.get("id"),
                   parent if all(isinstance(p, str) for p in parent) else None)  # type: ignore[arg-type]

    def _prefixes(self) -> list[str]:
        """Key prefixes (with a trailing slash) this scope may read."""
        owners = [(self.namespace, self.flow_id, self.execution_id)]
        if self.parent is not None:
            owners.append(self.parent)
        prefixes = []
        for namespace, flow_id, execution_id in owners:
            if namespace and flow_id and execution_id:
                try:
                    prefixes.append(key_of(execution_prefix(namespace, flow_id,
                                                            execution_id)) + "/")
                except UnsafePathError:  # an id no URI can hold: nothing to allow
                    continue
        if self.namespace:
            prefixes.append(key_of(namespace_files_prefix(self.namespace)) + "/")
        return prefixes

    def check(self, uri: str) -> str:
        """`uri` if this scope may read it. Raises UnsafePathError for a malformed URI and
        FileAccessError for one outside the scope."""
        key = key_of(uri)
        if not any(key.startswith(prefix) for prefix in self._prefixes()):
            raise FileAccessError(uri, "it belongs neither to the current execution, nor to "
                                       "the execution that triggered it, nor to the files of "
                                       f"namespace '{self.namespace}'")
        return uri

    def resolve(self, path: str) -> str:
        """The stored file `read(path)` means: a ``kestra:///`` URI (checked), an
        ``nsfile://`` URI (a namespace file: of the flow's namespace, or of the one it
        names, which Kestra OSS lets any flow read), or else a path of a namespace file of
        the flow's namespace. ``file://`` URIs are not stored files: see `open_file`."""
        if path.startswith("kestra:"):
            return self.check(path)
        if path.startswith(NSFILE_PREFIX):
            return namespace_file_of(path, self.namespace)
        if not self.namespace:
            raise FileAccessError(path, "namespace files need the flow's namespace")
        # Kestra writes `/data.csv` and `data.csv` for the same namespace file.
        return namespace_file_uri(self.namespace, path[1:] if path.startswith("/") else path)


@dataclass(frozen=True)
class FileSources:
    """Where a flow's file URIs are read from: the internal storage (kestra://, nsfile://,
    namespace file paths) within `scope`, and the host (file://) within `local_files`
    (`also`: directories allowed besides, such as the attempt's working directory)."""

    storage: Storage | None
    scope: FileScope
    local_files: LocalFiles = LocalFiles()
    also: tuple[Path, ...] = ()

    def open(self, path: str) -> BinaryIO:
        """A stream of the file `path` names (Kestra's URIFetcher)."""
        if path.startswith(FILE_PREFIX):
            return self.local_files.open(path, self.also)
        return self._storage().get(self.scope.resolve(path))

    def size(self, path: str) -> int:
        if path.startswith(FILE_PREFIX):
            return self.local_files.size(path, self.also)
        return self._storage().size(self.scope.resolve(path))

    def exists(self, path: str) -> bool:
        if path.startswith(FILE_PREFIX):
            return self.local_files.check(path, self.also).is_file()
        return self._storage().exists(self.scope.resolve(path))

    def _storage(self) -> Storage:
        if self.storage is None:
            raise StorageError("this process has no internal storage")
        return self.storage


def read_text(storage: Storage | None, scope: FileScope, path: str, limit: int | None = None,
              local_files: LocalFiles | None = None, also: tuple[Path, ...] = ()) -> str:
    """`read(path)`: the file as UTF-8 text (invalid bytes replaced, as Java's String does),
    at most `limit` bytes (default READ_LIMIT_BYTES). Raises FileAccessError,
    UnsafePathError, StorageNotFoundError, FileTooLargeError."""
    limit = READ_LIMIT_BYTES if limit is None else limit
    sources = FileSources(storage, scope, local_files or LocalFiles(), also)
    size = sources.size(path)
    if size > limit:
        raise FileTooLargeError(path, size, limit)
    with sources.open(path) as stream:
        data = stream.read(limit + 1)  # the file may have grown since size()
    if len(data) > limit:
        raise FileTooLargeError(path, len(data), limit)
    return data.decode("utf-8", errors="replace")


def file_size(storage: Storage | None, scope: FileScope, uri: str,
              local_files: LocalFiles | None = None, also: tuple[Path, ...] = ()) -> int:
    """`fileSize(uri)`: bytes of a file this scope may read (kestra://, nsfile://,
    file://)."""
    if not uri.startswith(FILE_URI_PREFIXES):
        raise UnsafePathError(uri, f"file URIs start with {URI_PREFIX}, {NSFILE_PREFIX} or "
                                   f"{FILE_PREFIX}")
    return FileSources(storage, scope, local_files or LocalFiles(), also).size(uri)


def file_exists(storage: Storage | None, scope: FileScope, path: str,
                local_files: LocalFiles | None = None, also: tuple[Path, ...] = ()) -> bool:
    """`fileExists(path)`: whether a file this scope may read exists (same URIs and paths
    as read(); a refused one is an error, not False)."""
    return FileSources(storage, scope, local_files or LocalFiles(), also).exists(path)


def file_empty(storage: Storage | None, scope: FileScope, path: str,
               local_files: LocalFiles | None = None, also: tuple[Path, ...] = ()) -> bool:
    """`isFileEmpty(path)`: True when the file has no bytes. Raises StorageNotFoundError
    (FileAccessError for file://) for a missing file, as reading it would."""
    return FileSources(storage, scope, local_files or LocalFiles(), also).size(path) == 0


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
