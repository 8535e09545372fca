"""io.kestra.plugin.git.PushFlows"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import Example, RunContext
from podium.sdk.flows import FlowRevision, check_namespace, namespace_flows
from podium.sdk.namespace_files import globs_match
from podium_git._push import PushTask, Writer

_REVISION_LINE = re.compile(r"(?m)^revision:\s*\d+\n?")


class PushFlows(PushTask):
    """Commit the flows of a namespace to a Git branch and push them.

    Each flow of `sourceNamespace` (default: the flow's) whose id matches `flows` (a glob
    or a list of globs, default all) is written as `<gitDirectory>/<id>.yml` (default
    folder `_flows`); with `includeChildNamespaces` the flows of `a.b` under it go to
    `<gitDirectory>/a/b/`. `targetNamespace` rewrites the `namespace:` lines from the
    source namespace to it. With `delete` (default true) the folder's files of flows that
    no longer exist are removed. The branch is created when the remote lacks it. The
    commit's author is `authorName` (default `username`) and `authorEmail`. `dryRun`
    commits nothing and only reports.

    Outputs: `commitId` and `commitURL` of the pushed commit (none for a dry run or when
    nothing changed), and `flows`, an ION file with one row per changed file: `file`,
    `additions`, `deletions`, `changes`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.git.PushFlows"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Push the flows of the dev namespace and its children to Git every "
                      "day at 5 p.m., rewritten to the prod namespace.", code="""\
id: push_to_git
namespace: company.ops

tasks:
  - id: commit_and_push
    type: io.kestra.plugin.git.PushFlows
    sourceNamespace: dev
    targetNamespace: prod
    flows: "*"
    includeChildNamespaces: true
    gitDirectory: _flows
    url: https://github.com/kestra-io/scripts
    username: git_username
    password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
    branch: main
    commitMessage: "add flows {{ now() }}"
    dryRun: true

triggers:
  - id: schedule_push
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 17 * * *"
"""),
    )

    branch: str | None = "main"
    git_directory: str | None = "_flows"
    source_namespace: str | None = None
    target_namespace: str | None = None
    flows: str | list[str] | None = None
    include_child_namespaces: bool | None = False

    def run(self, ctx: RunContext) -> dict:
        source = check_namespace(ctx.render(self.source_namespace or "{{ flow.namespace }}"),
                                 "sourceNamespace")
        target = check_namespace(ctx.render(self.target_namespace), "targetNamespace") \
            if self.target_namespace else source
        globs = self.globs(ctx, self.flows)
        contents: dict[str, Writer] = {}
        for flow in namespace_flows(ctx, source, children=bool(self.include_child_namespaces)):
            if globs is None or globs_match(globs, flow.id):
                contents[_path(source, flow)] = _writer(flow.source, source, target)
        return self.push(ctx, str(self.ref(ctx, self.branch or "main", "branch")),
                         str(ctx.render(self.git_directory or "_flows")).strip("/"),
                         contents, _selects(globs), f"Add flows from {source} namespace",
                         "flows")


def _path(source: str, flow: FlowRevision) -> str:
    child = flow.namespace[len(source) + 1:].replace(".", "/")
    return f"{child}/{flow.id}.yml" if child else f"{flow.id}.yml"


def _writer(text: str, source: str, target: str) -> Writer:
    text = _REVISION_LINE.sub("", text)
    if target != source:  # Kestra's rewrite: every `namespace:` line naming the source
        text = re.sub(rf"(?m)^(\s*namespace:\s*){re.escape(source)}(?=[.\s]|$)",
                      lambda m: m.group(1) + target, text)

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")
    return write


def _selects(globs: list[str] | None) -> Any:
    """Which files of the folder a delete may remove: those the globs name (by path, name
    or name without extension), all without globs."""
    if globs is None:
        return lambda relative: True

    def selects(relative: str) -> bool:
        name = relative.rsplit("/", 1)[-1]
        return globs_match(globs, relative, name, name.rsplit(".", 1)[0])
    return selects
