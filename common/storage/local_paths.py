"""`file:///path` URIs: files of the host a flow may read (Kestra's LocalPath with
`kestra.local-files.allowed-paths`), and `nsfile://` URIs, Kestra's name for namespace files.

`file://` is refused unless the operator lists directories in
`PODIUM_LOCAL_FILES__ALLOWED_PATHS` (Podium's default is stricter than Kestra's, whose file
functions are on by default). A path is checked once resolved: `..` segments, symlinks
(anywhere in the path) and percent-encoded forms all count where they lead, so nothing
reaches a file outside an allowed directory. The checked, resolved path is what gets opened,
with O_NOFOLLOW, so a symlink planted after the check is not followed either.

`nsfile:///scripts/x.py` is a namespace file of the flow's own namespace (no inheritance
from parents); `nsfile://company/scripts/x.py` one of namespace `company`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, TypeGuard
from urllib.parse import unquote, urlsplit

from podium.common.errors import FileAccessError, UnsafePathError
from podium.common.storage.uris import check_path, namespace_file_uri

FILE_PREFIX = "file://"
NSFILE_PREFIX = "nsfile://"
ALLOWED_PATHS_SETTING = "PODIUM_LOCAL_FILES__ALLOWED_PATHS"
# Kestra's URIFetcher.supports: what `inputFiles`, FILE inputs and read() take as a file.
FILE_URI_PREFIXES = ("kestra://", NSFILE_PREFIX, FILE_PREFIX)


def is_file_uri(value: object) -> TypeGuard[str]:
    """A string naming a file by URI (kestra://, nsfile://, file://)."""
    return isinstance(value, str) and value.startswith(FILE_URI_PREFIXES)


def namespace_file_of(uri: str, flow_namespace: str | None) -> str:
    """The ``kestra:///<ns>/_files/<path>`` URI an ``nsfile://`` URI names. Raises
    UnsafePathError for a malformed one or a path leaving the namespace's files."""
    parts = urlsplit(uri)
    if parts.scheme != "nsfile" or parts.query or parts.fragment:
        raise UnsafePathError(uri, "namespace file URIs look like nsfile:///path or "
                                   "nsfile://namespace/path")
    namespace = parts.netloc or flow_namespace
    if not namespace:
        raise UnsafePathError(uri, "nsfile:/// needs the flow's namespace, unknown here")
    path = unquote(parts.path)
    if not path.startswith("/") or path == "/":
        raise UnsafePathError(uri, "no file path after the namespace")
    return namespace_file_uri(namespace, check_path(path[1:], "namespace file path"))


@dataclass(frozen=True)
class LocalFiles:
    """The host directories `file://` URIs may reach; none: every `file://` is refused."""

    allowed: tuple[Path, ...] = ()

    @classmethod
    def of(cls, paths: Iterable[str | os.PathLike[str]]) -> LocalFiles:
        # Compared once resolved, so an allowed path given through a symlink still works.
        return cls(tuple(Path(p).expanduser().resolve() for p in paths))

    def check(self, uri: str, also: Iterable[Path] = ()) -> Path:
        """The resolved local path `uri` names, if it lies in an allowed directory (or in
        one of `also`, e.g. the attempt's working directory, as Kestra allows). Raises
        FileAccessError when refused, UnsafePathError when malformed."""
        roots = [*self.allowed, *(Path(p).resolve() for p in also)]
        path = _local_path(uri).resolve()  # `..` and symlinks resolved where they exist
        if any(path == root or root in path.parents for root in roots):
            return path
        if not self.allowed:
            raise FileAccessError(uri, f"file:// URIs are refused: no allowed path is "
                                       f"configured (set {ALLOWED_PATHS_SETTING})")
        raise FileAccessError(uri, f"the path is outside the allowed paths "
                                   f"({ALLOWED_PATHS_SETTING})")

    def open(self, uri: str, also: Iterable[Path] = ()) -> BinaryIO:
        path = self.check(uri, also)
        try:
            # O_NONBLOCK: a FIFO in an allowed directory must not hang the worker on open
            # (it is then refused as not a regular file); regular files ignore the flag.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            raise FileAccessError(uri, "no such file") from None
        except OSError as exc:
            raise FileAccessError(uri, exc.strerror or "cannot be opened") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise FileAccessError(uri, "not a regular file")
        return os.fdopen(fd, "rb")

    def size(self, uri: str, also: Iterable[Path] = ()) -> int:
        with self.open(uri, also) as stream:
            return os.fstat(stream.fileno()).st_size


def _local_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query \
            or parts.fragment:
        raise UnsafePathError(uri, "local file URIs look like file:///absolute/path")
    path = unquote(parts.path)
    if not path.startswith("/") or "\x00" in path:
        raise UnsafePathError(uri, "local file URIs need an absolute path")
    return Path(path)
