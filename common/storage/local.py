"""Local-disk storage, the embedded default: one file per URI under a root directory."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from podium.common.errors import StorageError, StorageNotFoundError, UnsafePathError
from podium.common.storage.base import CHUNK_SIZE, Storage, StorageEntry
from podium.common.storage.uris import uri_of

# Files being written are named so; `list` hides them. Same directory as the target, so the
# final os.replace never crosses filesystems and stays atomic.
_TMP_PREFIX, _TMP_SUFFIX = ".~podium-", ".tmp"


class LocalStorage(Storage):
    """Files under `root` (created if missing). A reader sees a whole old file or a whole new
    one, never a partial write."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create local storage root {self.root}: {exc}") from exc
        self.root = self.root.resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        """The path of `key`, refused if symlinks make it resolve outside the root."""
        path = self.root.joinpath(*key.split("/"))
        resolved = path.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise UnsafePathError(uri_of(key), "resolves outside the storage root")
        return path

    def _write(self, key: str, stream: BinaryIO) -> None:
        path = self._path(key)
        with _os_errors("write", key):
            fd, tmp = self._temp_file(path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                # Not copyfileobj: an error of the caller's stream reaches the caller as is
                # (as on S3); only our own I/O errors become StorageError.
                while chunk := stream.read(CHUNK_SIZE):
                    with _os_errors("write", key):
                        out.write(chunk)
                with _os_errors("write", key):
                    out.flush()
                    os.fsync(out.fileno())  # else a crash after the rename may leave it empty
            with _os_errors("write", key):
                os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)  # no debris whatever failed (gone on success)

    @staticmethod
    def _temp_file(directory: Path) -> tuple[int, str]:
        for _ in range(3):
            directory.mkdir(parents=True, exist_ok=True)
            try:
                return tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=directory)
            except FileNotFoundError:
                continue  # a concurrent purge removed the directory, now empty: make it again
        raise StorageError(f"Directory {directory} keeps disappearing")

    def _open(self, key: str) -> BinaryIO:
        path = self._path(key)
        with _os_errors("read", key):
            try:
                return open(path, "rb")
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise StorageNotFoundError(uri_of(key)) from None

    def _size(self, key: str) -> int | None:
        path = self._path(key)
        with _os_errors("stat", key):
            try:
                info = os.stat(path)
            except (FileNotFoundError, NotADirectoryError):
                return None
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def _delete(self, key: str) -> bool:
        if self._size(key) is None:
            return False  # missing, or a directory: only files are objects
        path = self._path(key)
        with _os_errors("delete", key):
            try:
                path.unlink()
            except FileNotFoundError:
                return False  # deleted concurrently
        return True

    def _list(self, prefix: str) -> list[StorageEntry]:
        return [StorageEntry(uri_of(key), info.st_size,
                             datetime.fromtimestamp(info.st_mtime, timezone.utc))
                for key, _, info in self._walk(prefix)]

    def _delete_prefix(self, prefix: str) -> int:
        count = 0
        for key, path, _ in self._walk(prefix):
            with _os_errors("delete", key):
                try:
                    path.unlink()
                    count += 1
                except FileNotFoundError:
                    pass  # deleted concurrently: not ours to count
        self._prune(self._path(prefix))
        return count

    def _walk(self, prefix: str) -> Iterator[tuple[str, Path, os.stat_result]]:
        """(key, path, stat) of each regular file under `prefix`. Symlinks are skipped:
        they could point outside the root."""
        base = self._path(prefix)
        for directory, _, names in os.walk(base):  # does not follow symlinked directories
            for name in names:
                if name.startswith(_TMP_PREFIX) and name.endswith(_TMP_SUFFIX):
                    continue
                path = Path(directory, name)
                try:
                    info = os.stat(path, follow_symlinks=False)
                except FileNotFoundError:
                    continue  # deleted while we walk
                if stat.S_ISREG(info.st_mode):
                    yield f"{prefix}/{path.relative_to(base).as_posix()}", path, info

    def _prune(self, base: Path) -> None:
        """Remove the empty directories a purge leaves, below `base` and up to the root, so
        that the tree does not fill with empty execution directories."""
        if base.is_symlink():
            return
        for directory, _, _ in os.walk(base, topdown=False):  # children first, base last
            _rmdir_if_empty(Path(directory))
        if base.exists():
            return  # something is still there: so are its parents
        for parent in base.parents:
            if parent == self.root or not _rmdir_if_empty(parent):
                break


@contextmanager
def _os_errors(action: str, key: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageError(f"Cannot {action} {uri_of(key)}: {exc.strerror or exc}") from exc


def _rmdir_if_empty(directory: Path) -> bool:
    try:
        directory.rmdir()
        return True
    except OSError:  # not empty (or gone, or not a directory): leave it
        return False
