"""A namespace's files in the internal storage (common/storage/namespace_files.py): list a
directory, open, write, delete. A path leaving the namespace's tree raises
UnsafePathError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from podium.application.parts import Parts, storage_of
from podium.common.errors import NotFoundError, PodiumError
from podium.common.storage import namespace_file_uri, namespace_files_prefix
from podium.common.storage import namespace_files as nsfiles
from podium.common.storage.uris import key_of


@dataclass
class DirectoryEntry:
    """A file, or a directory (which exists only through the files in it: its size is 0,
    its time the latest of theirs)."""
    name: str
    is_directory: bool
    size: int
    modified: datetime


def _prefix(namespace: str, folder: str | None) -> str:
    return namespace_file_uri(namespace, folder) if folder else namespace_files_prefix(namespace)


def directory(parts: Parts, namespace: str, path: str | None) -> list[DirectoryEntry]:
    """What is directly under `path` (None: the root), sorted by name; NotFoundError for a
    directory with no file, PodiumError when `path` is a file."""
    storage = storage_of(parts)
    folder = nsfiles.folder_path(path)
    prefix = _prefix(namespace, folder)
    entries = storage.list(prefix)
    if folder is not None and not entries:
        if storage.exists(prefix):
            raise PodiumError(f"'/{folder}' is a file, not a directory")
        raise NotFoundError(f"No directory '/{folder}' in namespace '{namespace}'")
    start = len(key_of(prefix)) + 1
    children: dict[str, DirectoryEntry] = {}
    for entry in entries:
        name, _, rest = key_of(entry.uri)[start:].partition("/")
        if not rest:
            children[name] = DirectoryEntry(name, False, entry.size, entry.modified)
            continue
        known = children.get(name)
        if known is None or entry.modified > known.modified:
            children[name] = DirectoryEntry(name, True, 0, entry.modified)
    return [children[name] for name in sorted(children)]


def check_path(parts: Parts, namespace: str, path: str) -> str:
    """The file path, checked with the namespace (UnsafePathError) before anything is
    read or written; PodiumError where there is no internal storage."""
    storage_of(parts)
    relative = nsfiles.file_path(path)
    namespace_file_uri(namespace, relative)
    return relative


def open_file(parts: Parts, namespace: str, path: str) -> tuple[BinaryIO, str]:
    """The file opened for reading, and its name; StorageNotFoundError when absent."""
    storage = storage_of(parts)
    relative = nsfiles.file_path(path)
    return storage.get(namespace_file_uri(namespace, relative)), relative.rsplit("/", 1)[-1]


def write(parts: Parts, namespace: str, path: str, data: BinaryIO) -> None:
    """Create or replace the file `path` with `data` (streamed)."""
    nsfiles.put_file(storage_of(parts), namespace, nsfiles.file_path(path), data)


def delete(parts: Parts, namespace: str, path: str) -> int:
    """Delete the file `path`, or every file under the directory `path`; returns how many
    were deleted, NotFoundError when none."""
    storage = storage_of(parts)
    folder = nsfiles.folder_path(path)
    prefix = _prefix(namespace, folder)
    deleted = 1 if folder and storage.delete(prefix) else storage.delete_prefix(prefix)
    if not deleted:
        raise NotFoundError(f"No file or directory '{path}' in namespace '{namespace}'")
    return deleted


def exists(parts: Parts, namespace: str, path: str) -> bool:
    """Whether the file `path` exists (a directory does not count)."""
    return storage_of(parts).exists(namespace_file_uri(namespace, nsfiles.file_path(path)))


def read_text(parts: Parts, namespace: str, path: str, limit: int) -> str | None:
    """The file as UTF-8 text, for an editor; None when it is larger than `limit` bytes or
    not text. StorageNotFoundError when absent."""
    stream, _ = open_file(parts, namespace, path)
    with stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
