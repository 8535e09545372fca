"""Environments built once per key and shared by every later task that needs the same one.

Layout under the cache root: `<kind>/<key>/` is one environment, `<kind>/<key>.lock` the
file its builders lock. An environment is usable once its manifest (`MANIFEST`, JSON)
exists: the manifest is written last, by rename, so a reader never sees half a build.

Environments are built in their final folder rather than in a temporary one renamed at the
end, because a Python virtual environment cannot move: its scripts and its `python` name
their own absolute path. Atomicity comes from the manifest instead:
- whoever finds no manifest takes the key's lock (flock: also between threads of one
  process, and released by the kernel if the builder dies), looks again, removes what a
  dead builder left, builds, writes the manifest;
- the others wait on the lock (checking their own kill signal and deadline) and then find
  the manifest: two tasks needing the same environment at once build it once.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from podium.common.errors import ScriptEnvironmentError

MANIFEST = ".podium-env.json"
LOCK_POLL_SECONDS = 0.1


def env_key(lines: list[str]) -> str:
    """A short stable key for an environment described by `lines` (order matters)."""
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    # Short: the folder's path ends up in every script's shebang line.
    return digest[:24]


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
    os.replace(tmp, folder / MANIFEST)


class EnvCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def get(self, kind: str, key: str, build: Callable[[Path], dict[str, Any]], *,
            waiting: Callable[[], None]) -> tuple[Path, dict[str, Any], bool]:
        """(folder, manifest, built_now) of the environment `key`; `build(folder)` creates
        it when missing and returns its manifest. `waiting()` is called while another
        builder holds the lock (it raises to give up: a kill, a timeout)."""
        folder = self.folder(kind, key)
        manifest = read_manifest(folder)
        if manifest is not None:
            return folder, manifest, False
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScriptEnvironmentError(
                f"The script environments folder {self.root} cannot be written "
                f"(worker.script_env_dir): {exc.strerror or exc}") from None
        with _locked(folder.parent / f"{key}.lock", waiting):
            manifest = read_manifest(folder)
            if manifest is not None:  # built by whoever held the lock before us
                return folder, manifest, False
            shutil.rmtree(folder, ignore_errors=True)  # a dead builder's leftovers
            try:
                manifest = build(folder)
                write_manifest(folder, manifest)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        return folder, manifest, True


@contextmanager
def _locked(path: Path, waiting: Callable[[], None]) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            waiting()
            time.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # also releases the lock
