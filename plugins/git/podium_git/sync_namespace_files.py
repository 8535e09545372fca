"""io.kestra.plugin.git.SyncNamespaceFiles"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.flows import check_namespace
from podium.sdk.namespace_files import (
    NamespaceFile,
    UnsafePathError,
    delete_file,
    file_path,
    list_files,
    open_file,
    put_file,
)
from podium_git._repo import checked_out, diff_file, folder_files
from podium_git._task import GitTask, inside
from podium_git.sync_flows import _missing

_CHUNK = 1 << 16


class SyncNamespaceFiles(GitTask):
    """Copy the files of a Git branch's folder into a namespace's files.

    Every file under `gitDirectory` (default `_files`) becomes the namespace file of the
    same relative path in `namespace` (default: the flow's). A file whose content did not
    change is left alone. With `delete: true` the namespace's files that are not in Git
    are deleted. `dryRun` changes nothing and only reports.

    Outputs: `files`, an ION file with one row per file: `gitPath`, `syncState` (ADDED,
    OVERWRITTEN, UNCHANGED, DELETED), `kestraPath`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.git.SyncNamespaceFiles"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Sync the namespace files of a Git repository's `_files` folder.",
                code="""\
id: sync_from_git
namespace: system

tasks:
  - id: git
    type: io.kestra.plugin.git.SyncNamespaceFiles
    namespace: prod
    gitDirectory: _files
    url: https://github.com/kestra-io/flows
    branch: main
    username: git_username
    password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
    dryRun: true
"""),
    )

    branch: str | None = "main"
    namespace: str | None = None
    git_directory: str | None = "_files"
    delete: bool | None = False
    dry_run: bool | None = False
    fail_on_missing_directory: bool | None = True

    def run(self, ctx: RunContext) -> dict:
        namespace = check_namespace(ctx.render(self.namespace or "{{ flow.namespace }}"))
        branch = str(self.ref(ctx, self.branch or "main", "branch"))
        folder = str(ctx.render(self.git_directory or "_files")).strip("/")
        before = {"/" + file.path: file for file in list_files(ctx, namespace)}
        rows: list[dict[str, Any]] = []
        with checked_out(ctx, self, branch) as (_, _, repo):
            base = inside(repo, folder, "gitDirectory", "the repository")
            files: dict[str, Path] = {}
            if base.is_dir():
                files = folder_files(base)
            else:
                _missing(base, folder, branch, bool(self.fail_on_missing_directory))
            for uri, path in files.items():
                ctx.check_killed()
                rows.append(self._sync(ctx, namespace, folder, uri, path, before.get(uri)))
        if self.delete:
            gone = [uri for uri in before if uri not in files]
            for uri in gone if not self.dry_run else []:
                delete_file(ctx, namespace, uri)
            rows = [{"syncState": "DELETED", "kestraPath": uri} for uri in gone] + rows
        return {"files": diff_file(ctx, rows, "files.ion")}

    def _sync(self, ctx: RunContext, namespace: str, folder: str, uri: str, path: Path,
              existing: NamespaceFile | None) -> dict[str, Any]:
        try:
            file_path(uri)
        except UnsafePathError as exc:
            raise TaskFailure(f"{folder}{uri} cannot be a namespace file: {exc}") from None
        if existing is None:
            state = "ADDED"
        elif _same(ctx, namespace, uri, path, existing):
            state = "UNCHANGED"
        else:
            state = "OVERWRITTEN"
        if state != "UNCHANGED" and not self.dry_run:
            with open(path, "rb") as stream:
                put_file(ctx, namespace, uri, stream)
        return {"gitPath": folder + uri, "syncState": state, "kestraPath": uri}


def _same(ctx: RunContext, namespace: str, uri: str, path: Path,
          existing: NamespaceFile) -> bool:
    """Whether the namespace file holds exactly the bytes of `path` (streamed)."""
    if existing.size != path.stat().st_size:
        return False
    with open(path, "rb") as local, open_file(ctx, namespace, uri) as stored:
        while True:
            mine, theirs = _read(local, _CHUNK), _read(stored, _CHUNK)
            if mine != theirs:
                return False
            if not mine:
                return True


def _read(stream: Any, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end (a stream may return short reads)."""
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            break
        data += chunk
    return data
