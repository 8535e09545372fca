"""Namespace files on a worker (common.storage.namespace_files): the tasks
io.kestra.plugin.core.namespace.{UploadFiles, DownloadFiles, DeleteFiles, PurgeFiles}, and
`copy_namespace_files`, the `namespaceFiles` property of script tasks and WorkingDirectory.

Patterns are Kestra's (common.storage.globs): `files` of DownloadFiles / DeleteFiles and
`include` / `exclude` name namespace files (``**.sql``, ``/scripts/*.py``, ``etl.py`` at
any depth, ``regex:...``); UploadFiles' `files` name files of the working directory,
relative to it unless prefixed with ``glob:`` or ``regex:``.

A task may name any namespace, as in Kestra's open-source edition (restricting namespaces
is an Enterprise feature there). Every path is checked: no ``..``, ``.``, empty segment,
backslash or control character reaches the storage or the working directory, and files
are written in the working directory only where they resolve inside it.

Outputs: UploadFiles and DeleteFiles `files` {"/path": URI} of the files written or
deleted (Kestra declares this output and leaves it empty); DownloadFiles `files`
{"/path": URI of the copy stored as an output of the task run}. DownloadFiles and
DeleteFiles count `downloaded` / `deleted` as metrics.
"""

from __future__ import annotations

import json
from typing import Any

from podium.common.errors import UnsafePathError
from podium.common.plugins.tasks._files import NamespaceFiles
from podium.common.plugins.tasks.namespace import (
    DeleteFiles,
    DownloadFiles,
    PurgeFiles,
    UploadFiles,
)
from podium.common.storage import namespace_files as nsfiles
from podium.common.storage import namespace_path
from podium.common.storage.globs import include_exclude, path_predicate
from podium.common.store import flow_namespaces
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.files import files_where, inside, render_file_map
from podium.worker.runnables.purge_scope import iso_instant, purge_namespaces, wildcard_match
from podium.worker.runnables.storage_tasks import copy_stream

IF_EXISTS = ("OVERWRITE", "FAIL", "WARN", "IGNORE")


def _namespace(ctx: RunContext, value: Any) -> str:
    namespace = str(ctx.render(value)).strip()
    try:
        namespace_path(namespace)
    except UnsafePathError as exc:
        raise TaskFailure(f"Invalid namespace '{namespace}': {exc.reason}") from None
    return namespace


def _folder(ctx: RunContext, value: Any) -> str | None:
    return nsfiles.folder_path(str(ctx.render(value)), "destination")


def _patterns(ctx: RunContext, files: Any) -> list[str]:
    """A pattern, a list of them, or an expression rendering to either."""
    if isinstance(files, str):
        rendered = ctx.render_typed(files)
        return [str(p) for p in rendered] if isinstance(rendered, list) else [str(rendered)]
    return [str(ctx.render(pattern)) for pattern in files or []]


def _counter(ctx: RunContext, name: str, value: int) -> None:
    ctx.metric({"name": name, "type": "counter", "value": value, "tags": {}})


# ---------------------------------------------------------------- the tasks
@runs(UploadFiles)
def run_upload_files(task: UploadFiles, ctx: RunContext) -> dict[str, Any]:
    if task.files is None and task.files_map is None:
        raise TaskFailure("files or filesMap is required")
    namespace = _namespace(ctx, task.namespace)
    destination = _folder(ctx, task.destination)
    storage = ctx.require_storage()
    written: dict[str, str] = {}

    def put(path: str, stream: Any) -> None:
        uri, done = nsfiles.put_file(storage, namespace, path, stream, task.conflict)
        ctx.log("DEBUG", f"/{path} {'written' if done else 'exists: skipped'}")
        if done:
            written["/" + path] = uri

    if task.files is not None:
        predicate = path_predicate(_patterns(ctx, task.files), anchored=True)
        for relative, local in files_where(ctx.working_dir.resolve(), predicate, "files"):
            with open(local, "rb") as stream:
                put(nsfiles.join(destination, relative), stream)
    if task.files_map is not None:
        for name, uri in render_file_map(ctx, task.files_map, "filesMap").items():
            if not isinstance(uri, str) or not uri.startswith("kestra:"):
                raise TaskFailure(f"filesMap must map file names to kestra:// URIs, got "
                                  f"'{uri}' for '{name}'")
            target = nsfiles.join(destination, name)
            if not storage.exists(ctx.file_scope.check(uri)):  # Kestra skips it silently
                ctx.log("WARN", f"{uri} does not exist: /{target} not uploaded")
                continue
            with ctx.open_file(uri) as stream:
                put(target, stream)
    return {"files": written}


@runs(DownloadFiles)
def run_download_files(task: DownloadFiles, ctx: RunContext) -> dict[str, Any]:
    namespace = _namespace(ctx, task.namespace)
    destination = _folder(ctx, task.destination)
    storage = ctx.require_storage()
    predicate = nsfiles.matching(_patterns(ctx, task.files))
    downloaded: dict[str, str] = {}
    for file in nsfiles.find_files(storage, namespace, predicate):
        ctx.check_killed()
        with storage.get(file.uri) as stream:
            downloaded["/" + file.path] = ctx.put_stream(stream,
                                                         nsfiles.join(destination, file.path))
    _counter(ctx, "downloaded", len(downloaded))
    return {"files": downloaded}


@runs(DeleteFiles)
def run_delete_files(task: DeleteFiles, ctx: RunContext) -> dict[str, Any]:
    namespace = _namespace(ctx, task.namespace)
    storage = ctx.require_storage()
    predicate = nsfiles.matching(_patterns(ctx, task.files))
    deleted = {"/" + file.path: file.uri
               for file in nsfiles.find_files(storage, namespace, predicate)
               if storage.delete(file.uri)}
    _counter(ctx, "deleted", len(deleted))
    return {"files": deleted}


@runs(PurgeFiles)
def run_purge_files(task: PurgeFiles, ctx: RunContext) -> dict[str, Any]:
    """Kestra deletes old versions of namespace files. Podium keeps one version per file,
    so the default (keep the newest one), any `keepAmount` >= 1 and `before` (never the
    newest version) delete nothing; `keepAmount: 0` or a version behavior with neither
    deletes every matching file, as Kestra does. Namespaces: purge_scope.py, among those of
    the live flows. Output `size`: how many files were deleted."""
    if ctx.store is None:
        raise TaskFailure(f"{PurgeFiles.TYPE} needs the store, which this worker was not given")
    with ctx.store.read() as conn:
        namespaces = purge_namespaces(ctx, task, flow_namespaces(conn))
    ctx.log("INFO", f"purging {len(namespaces)} namespaces: {namespaces}")
    behavior = task.behavior
    if behavior is not None and behavior.before is not None:
        iso_instant(ctx, behavior.before, "behavior.before")
    every_version = behavior is not None and behavior.before is None \
        and not behavior.keep_amount
    pattern = str(ctx.render(task.file_pattern)) if task.file_pattern else None
    storage = ctx.require_storage()
    count = 0
    for namespace in namespaces if every_version else []:
        for file in nsfiles.list_files(storage, namespace):
            if (pattern is None or wildcard_match(file.path, pattern)) \
                    and storage.delete(file.uri):
                count += 1
    ctx.log("INFO", f"purged {count} files")
    return {"size": count}


# ---------------------------------------------------------------- namespaceFiles
def _rendered_list(ctx: RunContext, value: Any, what: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = ctx.render_typed(value)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = [value]
        if not isinstance(value, list):
            raise TaskFailure(f"namespaceFiles.{what} must be a list")
        return [str(item) for item in value]
    return [str(ctx.render(item)) for item in value]


def copy_namespace_files(ctx: RunContext, spec: NamespaceFiles | None) -> int:
    """Copy the namespace files `spec` selects into the working directory (streamed);
    returns how many. Kestra does this before writing `inputFiles`, which may then replace
    them. `namespaces` defaults to the flow's; with `folderPerNamespace` each namespace's
    files go under a folder named after it; `ifExists` says what a file already there
    (from an earlier namespace) gets: OVERWRITE (default), FAIL, WARN (kept, logged) or
    IGNORE (kept)."""
    if spec is None or not ctx.render_bool(spec.enabled):
        return 0
    own = (ctx.context.get("flow") or {}).get("namespace")
    namespaces = _rendered_list(ctx, spec.namespaces, "namespaces") or [own]
    per_folder = spec.folder_per_namespace is not None and \
        ctx.render_bool(spec.folder_per_namespace)
    if_exists = str(ctx.render(spec.if_exists or "OVERWRITE")).upper()
    if if_exists not in IF_EXISTS:
        raise TaskFailure(f"namespaceFiles.ifExists must be one of {', '.join(IF_EXISTS)}")
    predicate = include_exclude(_rendered_list(ctx, spec.include, "include"),
                                _rendered_list(ctx, spec.exclude, "exclude"))
    storage = ctx.require_storage()
    root = ctx.working_dir.resolve()
    copied = 0
    for namespace in namespaces:
        namespace = _namespace(ctx, namespace)
        for file in nsfiles.find_files(storage, namespace, predicate):
            relative = f"{namespace}/{file.path}" if per_folder else file.path
            target = inside(root, relative, "namespaceFiles")
            if target.exists() and if_exists != "OVERWRITE":
                if if_exists == "FAIL":
                    raise TaskFailure(f"Namespace file '{relative}' already exists in the "
                                      f"working directory")
                if if_exists == "WARN":
                    ctx.log("WARN", f"Namespace file '{relative}' of {namespace} already "
                                    f"exists in the working directory: kept")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.get(file.uri) as source, open(target, "wb") as out:
                copy_stream(source, out, ctx)
            copied += 1
    ctx.log("DEBUG", f"{copied} namespace file(s) copied into the working directory")
    return copied
