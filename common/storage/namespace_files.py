"""Namespace files: a namespace's own tree of files (scripts, queries, dbt projects...),
stored under ``kestra:///<ns as path>/_files/<path>`` (Kestra's ``InternalNamespace``).

Paths are relative to the namespace's files, ``/``-separated. Kestra writes ``/a.sql`` and
``a.sql`` for the same file; `file_path` accepts both and refuses everything else that
could leave the tree (``..``, ``.``, empty segments, backslashes, control characters and
their percent-encoded forms). A namespace's files do not include those of its child
namespaces (``company.team`` files live under ``company/team/_files``).

Used by the namespace tasks, ``namespaceFiles`` of script tasks and WorkingDirectory, and
``podium namespace files``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from podium.common.errors import StorageError
from podium.common.storage.base import Data, Storage
from podium.common.storage.globs import path_predicate
from podium.common.storage.uris import (
    check_path,
    key_of,
    namespace_file_uri,
    namespace_files_prefix,
)

Conflict = Literal["OVERWRITE", "ERROR", "SKIP"]


@dataclass(frozen=True)
class NamespaceFile:
    """One namespace file: `path` relative to the namespace's files (no leading slash)."""

    namespace: str
    path: str
    uri: str
    size: int


def file_path(path: str, what: str = "namespace file path") -> str:
    """`path` without its leading slashes, checked; UnsafePathError otherwise."""
    return check_path(path.lstrip("/") if isinstance(path, str) else path, what)


def folder_path(path: str | None, what: str = "namespace folder") -> str | None:
    """A folder of the namespace's files (``/``, ``''`` and None: the root, as None)."""
    stripped = (path or "").strip("/")
    return check_path(stripped, what) if stripped else None


def join(folder: str | None, path: str) -> str:
    """`path` (leading slashes ignored) inside `folder` (None: the root); checked."""
    relative = path.lstrip("/") if isinstance(path, str) else path
    return file_path(f"{folder}/{relative}" if folder and relative else relative)


def list_files(storage: Storage, namespace: str,
               folder: str | None = None) -> list[NamespaceFile]:
    """Every file of `namespace` (under `folder` when given), sorted by path."""
    root = namespace_files_prefix(namespace)
    prefix = namespace_file_uri(namespace, folder) if folder else root
    start = len(key_of(root)) + 1
    return [NamespaceFile(namespace, key_of(entry.uri)[start:], entry.uri, entry.size)
            for entry in storage.list(prefix)]


def find_files(storage: Storage, namespace: str,
               predicate: Callable[[str], bool]) -> list[NamespaceFile]:
    return [file for file in list_files(storage, namespace) if predicate(file.path)]


def matching(patterns: list[str]) -> Callable[[str], bool]:
    """The files a list of Kestra patterns names (globs, ``regex:``; see
    common.storage.globs). With `include_exclude` of that module: namespaceFiles' rule."""
    return path_predicate(patterns, anchored=False)


def put_file(storage: Storage, namespace: str, path: str, data: Data,
             conflict: Conflict = "OVERWRITE") -> tuple[str, bool]:
    """Store `data` as the namespace file `path`: (URI, whether it was written). An
    existing file is replaced (OVERWRITE), kept (SKIP), or a StorageError (ERROR). The
    existence check and the write are two calls: two writers racing may both write."""
    uri = namespace_file_uri(namespace, file_path(path))
    if conflict != "OVERWRITE" and storage.exists(uri):
        if conflict == "ERROR":
            raise StorageError(f"File '/{file_path(path)}' already exists in namespace "
                               f"'{namespace}' and conflict is set to ERROR")
        return uri, False
    return storage.put(uri, data), True
