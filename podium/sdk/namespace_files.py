"""Namespace files as a plugin task reads and writes them (git.SyncNamespaceFiles,
git.PushNamespaceFiles): the same storage layout and path checks as the core namespace
tasks (common.storage.namespace_files). Paths are relative to the namespace's files,
``/``-separated; one that could leave the tree raises UnsafePathError.

The storage is the worker's (``ctx.storage``); a context without one fails with a
TaskFailure.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from podium.common.errors import TaskFailure, UnsafePathError
from podium.common.storage import namespace_files as _files
from podium.common.storage.globs import glob_regex, path_predicate
from podium.common.storage.namespace_files import NamespaceFile, file_path
from podium.common.storage.uris import namespace_file_uri

__all__ = ["NamespaceFile", "UnsafePathError", "delete_file", "file_path", "glob_regex",
           "globs_match", "list_files", "matching", "open_file", "put_file"]


def _storage(ctx: Any) -> Any:
    storage = getattr(ctx, "storage", None)
    if storage is None:
        raise TaskFailure("this task reads and writes namespace files: it needs the "
                          "worker's storage, which this run context was not given")
    return storage


def list_files(ctx: Any, namespace: str) -> list[NamespaceFile]:
    """Every file of `namespace` (not of its children), sorted by path."""
    return _files.list_files(_storage(ctx), namespace)


def matching(patterns: list[str]) -> Any:
    """A predicate on namespace file paths: Kestra's patterns (globs such as ``**.sql``,
    ``/scripts/*.py``, ``regex:...``), as the core namespace tasks read them."""
    return path_predicate(patterns, anchored=False)


def globs_match(patterns: list[str], *candidates: str) -> bool:
    """Whether any of `candidates` (a name, a relative path) matches any of these Java
    globs (`*` within a segment, `**` across, `{a,b}`, `[...]`): ``glob_regex`` of each."""
    regexes = [glob_regex(pattern) for pattern in patterns]
    return any(regex.fullmatch(c) for regex in regexes for c in candidates)


def open_file(ctx: Any, namespace: str, path: str) -> BinaryIO:
    """A stream of the namespace file `path`."""
    stream: BinaryIO = _storage(ctx).get(namespace_file_uri(namespace, file_path(path)))
    return stream


def put_file(ctx: Any, namespace: str, path: str, data: Any) -> str:
    """Store `data` (bytes or a binary stream) as the namespace file `path`, replacing
    it; its URI."""
    return _files.put_file(_storage(ctx), namespace, path, data)[0]


def delete_file(ctx: Any, namespace: str, path: str) -> bool:
    """Delete the namespace file `path`; True if it existed."""
    return bool(_storage(ctx).delete(namespace_file_uri(namespace, file_path(path))))
