"""`cache` of a WorkingDirectory: files kept between executions (Kestra's
WorkingDirectory.preExecuteTasks / postExecuteTasks and InternalStorage's cache files).

Before anything else is written to the directory, the archive of the last run of the same
task (same flow, task id and task run value: a loop iteration has its own) is unpacked into
it, unless it is older than `ttl`, in which case it is deleted. After the children ran (as
Kestra: whatever their state, unless the task was killed), the files matching `patterns`
are archived again, but only if one of them changed since the restore, so a cache that only
serves is not rewritten and its `ttl` keeps counting from when it was made.

Failing to save only logs an ERROR (Kestra does the same); an archive that cannot be read is
dropped with a WARN and the run goes on without it. Entries of an archive are written only
inside the working directory (a crafted archive cannot reach the worker's files), with
their permission bits, so cached executables (``node_modules/.bin``) still run.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from podium.common.durations import parse_duration
from podium.common.errors import StorageError, StorageNotFoundError
from podium.common.plugins.tasks.flow import Cache
from podium.common.storage import cache_uri
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure
from podium.worker.runnables.files import inside, matching_files

_WHAT = "cache.patterns"


def archive_uri(ctx: RunContext) -> str:
    flow, task = ctx.context.get("flow") or {}, ctx.context.get("task") or {}
    value = (ctx.context.get("taskrun") or {}).get("value")
    return cache_uri(flow.get("namespace", ""), flow.get("id", ""), task.get("id", ""),
                     None if value is None else str(value))


# What a restored file looked like: (modification time in ns, size). Kestra compares the
# modification times with the time of the restore; a stamp per file does not depend on the
# file system's clock granularity.
Stamps = dict[str, tuple[int, int]]


def restore_cache(ctx: RunContext, cache: Cache) -> Stamps:
    """Unpack the task's live archive into the working directory; return the stamps of
    the files restored (empty when there was nothing to restore)."""
    uri = archive_uri(ctx)
    storage = ctx.require_storage()
    if not storage.exists(uri):
        return {}
    if _expired(ctx, uri, cache):
        storage.delete(uri)
        ctx.log("DEBUG", f"The cache {uri} is older than its ttl: deleted")
        return {}
    local = ctx.private_dir / "cache-restore.zip"
    try:
        with storage.get(uri) as source, open(local, "wb") as out:
            shutil.copyfileobj(source, out)
    except StorageNotFoundError:  # expired and deleted by a concurrent run meanwhile
        return {}
    try:
        restored = _unpack(ctx, local)
    except (zipfile.BadZipFile, EOFError) as exc:
        ctx.log("WARN", f"The cache {uri} cannot be read ({exc}): ignored")
        return {}
    finally:
        local.unlink(missing_ok=True)
    ctx.log("DEBUG", f"Restored {len(restored)} file(s) from the cache {uri}")
    return restored


def save_cache(ctx: RunContext, cache: Cache, restored: Stamps) -> None:
    """Archive the files matching `patterns` if one is new or changed since `restored`."""
    uri = archive_uri(ctx)
    try:
        files = matching_files(ctx.working_dir.resolve(), cache.patterns, _WHAT)
        if all(restored.get(relative) == _stamp(path) for relative, path in files):
            ctx.log("DEBUG", "The cached files did not change: the cache is kept as is")
            return
        local = ctx.private_dir / "cache-save.zip"
        with zipfile.ZipFile(local, "w", zipfile.ZIP_DEFLATED) as archive:
            for relative, path in files:
                archive.write(path, relative)
        with open(local, "rb") as stream:
            ctx.require_storage().put(uri, stream)
        local.unlink(missing_ok=True)
        ctx.log("DEBUG", f"Cached {len(files)} file(s) in {uri}")
    except (TaskFailure, StorageError, OSError) as exc:
        ctx.log("ERROR", f"Unable to save the WorkingDirectory cache: {exc}")


def _expired(ctx: RunContext, uri: str, cache: Cache) -> bool:
    if cache.ttl is None:  # no ttl: the archive never expires (Kestra)
        return False
    text = str(ctx.render(cache.ttl)).strip()
    try:
        ttl = parse_duration(text)
    except ValueError as exc:
        raise TaskFailure(f"cache.ttl: '{text}' is not an ISO-8601 duration ({exc})") from None
    folder = uri.rsplit("/", 1)[0]
    modified = next((entry.modified for entry in ctx.require_storage().list(folder)
                     if entry.uri == uri), None)
    return modified is not None and datetime.now(timezone.utc) > modified + ttl


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _unpack(ctx: RunContext, local: Path) -> Stamps:
    root = ctx.working_dir.resolve()
    restored: Stamps = {}
    with zipfile.ZipFile(local) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                target = inside(root, info.filename, "cache")
            except TaskFailure as exc:  # Kestra logs an entry it cannot write and goes on
                ctx.log("ERROR", f"Cache entry not restored: {exc}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode | 0o600)  # stays readable and writable by the worker
            restored[info.filename] = _stamp(target)
    return restored
