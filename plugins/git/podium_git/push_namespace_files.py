"""io.kestra.plugin.git.PushNamespaceFiles"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.flows import check_namespace
from podium.sdk.namespace_files import list_files, matching, open_file
from podium_git._push import PushTask, Writer


class PushNamespaceFiles(PushTask):
    """Commit the files of a namespace to a Git branch and push them.

    The files of `namespace` (default: the flow's) that `files` names (Kestra's patterns:
    a glob or a list, e.g. `**.sql`, `scripts/*.py`; default all) are written under
    `gitDirectory` (default `_files`) at their path in the namespace. With `delete`
    (default true) the folder's other files that the patterns name are removed.
    `errorOnMissing` fails the task when no file matches. `dryRun` commits nothing and
    only reports.

    Outputs: `commitId`, `commitURL` (none for a dry run or when nothing changed), and
    `files`, an ION file with one row per changed file: `file`, `additions`,
    `deletions`, `changes`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.git.PushNamespaceFiles"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Push all the files of a namespace to Git.", code="""\
id: push_to_git
namespace: system

tasks:
  - id: commit_and_push
    type: io.kestra.plugin.git.PushNamespaceFiles
    namespace: company.team
    files: "**"
    gitDirectory: _files
    url: https://github.com/kestra-io/scripts
    username: git_username
    password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
    branch: dev
    commitMessage: "add namespace files"
    dryRun: true
"""),
    )

    branch: str | None = "main"
    namespace: str | None = None
    git_directory: str | None = "_files"
    files: str | list[str] | None = None
    error_on_missing: bool | None = False

    def run(self, ctx: RunContext) -> dict:
        namespace = check_namespace(ctx.render(self.namespace or "{{ flow.namespace }}"))
        globs = self.globs(ctx, self.files)
        selects = matching(globs) if globs is not None else (lambda path: True)
        found = [f for f in list_files(ctx, namespace) if selects(f.path)]
        if self.error_on_missing and not found:
            raise TaskFailure("No Namespace Files matched the provided 'files' parameter "
                              "to commit.")
        contents = {f.path: _writer(ctx, namespace, f.path) for f in found}
        return self.push(ctx, str(self.ref(ctx, self.branch or "main", "branch")),
                         str(ctx.render(self.git_directory or "_files")).strip("/"),
                         contents, selects, f"Add files from {namespace} namespace", "files")


def _writer(ctx: RunContext, namespace: str, path: str) -> Writer:
    def write(target: Path) -> None:
        stream: Any
        with open_file(ctx, namespace, path) as stream, open(target, "wb") as out:
            shutil.copyfileobj(stream, out)
    return write
