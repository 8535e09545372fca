"""io.kestra.plugin.git.SyncFlows"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.flows import (
    FlowRevision,
    FlowValidationError,
    LoadedFlow,
    check_namespace,
    delete_flows,
    namespace_flows,
    parse_flow,
    save_flows,
)
from podium_git._repo import checked_out, diff_file, folder_files
from podium_git._task import GitTask, inside

_NAMESPACE_LINE = re.compile(r"(?m)^namespace: (.*)$")
_YAML = (".yml", ".yaml")


class SyncFlows(GitTask):
    """Deploy the flows of a Git branch into a namespace (Git is the source of truth).

    Each YAML file of `gitDirectory` (default `_flows`) is a flow; its `namespace:` line
    is rewritten to `targetNamespace`, and with `includeChildNamespaces` the files of a
    subfolder `a/b/` go to `targetNamespace.a.b`. Every flow is validated before any is
    saved: an invalid one fails the task with its file and the problems (nothing is
    deployed), or is skipped with a warning when `ignoreInvalidFlows` is true. A flow
    whose source did not change keeps its revision. With `delete: true` the namespace's
    flows that are not in Git are deleted (never the flow running this task). `dryRun`
    changes nothing and only reports.

    Outputs: `flows`, an ION file with one row per flow: `gitPath`, `syncState` (ADDED,
    UPDATED, UNCHANGED, DELETED), `flowId`, `namespace`, `revision`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.git.SyncFlows"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Sync flows from a Git repository every minute (Git is the single "
                      "source of truth: flows removed from Git are deleted).", code="""\
id: sync_flows_from_git
namespace: system

tasks:
  - id: git
    type: io.kestra.plugin.git.SyncFlows
    gitDirectory: flows
    targetNamespace: git
    includeChildNamespaces: true
    delete: true
    url: https://github.com/kestra-io/flows
    branch: main
    username: git_username
    password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
    dryRun: true

triggers:
  - id: every_minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/1 * * * *"
"""),
    )

    branch: str | None = "main"
    target_namespace: str
    git_directory: str | None = "_flows"
    include_child_namespaces: bool | None = False
    delete: bool | None = False
    ignore_invalid_flows: bool | None = False
    dry_run: bool | None = False
    fail_on_missing_directory: bool | None = True

    def run(self, ctx: RunContext) -> dict:
        namespace = check_namespace(ctx.render(self.target_namespace), "targetNamespace")
        branch = str(self.ref(ctx, self.branch or "main", "branch"))
        folder = str(ctx.render(self.git_directory or "_flows")).strip("/")
        children = bool(self.include_child_namespaces)
        with checked_out(ctx, self, branch) as (_, _, repo):
            base = inside(repo, folder, "gitDirectory", "the repository")
            if not base.is_dir():
                _missing(base, folder, branch, bool(self.fail_on_missing_directory))
                files: dict[str, Path] = {}
            else:
                files = {uri: path for uri, path in folder_files(base, children).items()
                         if uri.endswith(_YAML)}
            loaded = self._load(ctx, namespace, folder, files)
        before = {(f.namespace, f.id): f for f in namespace_flows(ctx, namespace,
                                                                   children=children)}
        rows = self._write(ctx, loaded, before)
        if self.delete:
            rows = self._delete(ctx, before, loaded) + rows
        return {"flows": diff_file(ctx, rows, "flows.ion")}

    def _load(self, ctx: RunContext, namespace: str, folder: str,
              files: dict[str, Path]) -> dict[str, LoadedFlow]:
        """{git path: flow}, every file validated; TaskFailure listing the invalid ones."""
        loaded: dict[str, LoadedFlow] = {}
        errors: list[str] = []
        for uri, path in files.items():
            git_path = folder + uri
            expected = namespace + uri[:uri.rfind("/")].replace("/", ".")
            source = _NAMESPACE_LINE.sub(f"namespace: {expected}",
                                         path.read_text(encoding="utf-8"), count=1).rstrip()
            try:
                item = parse_flow(source, name=git_path)
                if item.flow.namespace != expected:
                    raise TaskFailure(f"{git_path}: the flow's namespace is "
                                      f"'{item.flow.namespace}', not '{expected}'")
            except (FlowValidationError, TaskFailure) as exc:
                if self.ignore_invalid_flows:
                    ctx.log("WARN", f"Invalid flow imported from Git ({git_path}): {exc}")
                    continue
                errors.append(str(exc))
                continue
            loaded[git_path] = item
        if errors:
            raise TaskFailure("Invalid flow imported from Git, nothing was deployed:\n"
                              + "\n".join(errors))
        _unique(loaded)
        return loaded

    def _write(self, ctx: RunContext, loaded: dict[str, LoadedFlow],
               before: dict[tuple[str, str], FlowRevision]) -> list[dict[str, Any]]:
        if self.dry_run:
            after = [_simulated(item, before.get(_key(item))) for item in loaded.values()]
        else:
            after = [(s.revision, s.created) for s in save_flows(ctx, loaded.values())]
        rows = []
        for (git_path, item), (revision, changed) in zip(loaded.items(), after):
            previous = before.get(_key(item))
            state = "ADDED" if previous is None else "UPDATED" if changed else "UNCHANGED"
            rows.append({"gitPath": git_path, "syncState": state, "flowId": item.flow.id,
                         "namespace": item.flow.namespace, "revision": revision})
        rows.sort(key=lambda row: row["gitPath"])
        return rows

    def _delete(self, ctx: RunContext, before: dict[tuple[str, str], FlowRevision],
                loaded: dict[str, LoadedFlow]) -> list[dict[str, Any]]:
        flow = ctx.context.get("flow") or {}
        running = (flow.get("namespace"), flow.get("id"))
        in_git = {_key(item) for item in loaded.values()}
        gone = [key for key in before if key not in in_git and key != running]
        if gone and not self.dry_run:
            delete_flows(ctx, gone)
        return [{"syncState": "DELETED", "flowId": flow_id, "namespace": namespace,
                 "revision": before[(namespace, flow_id)].revision}
                for namespace, flow_id in gone]


def _key(item: LoadedFlow) -> tuple[str, str]:
    return item.flow.namespace, item.flow.id


def _simulated(item: LoadedFlow, previous: FlowRevision | None) -> tuple[int, bool]:
    """(revision, changed) a save would give."""
    if previous is None:
        return 1, True
    if previous.source == item.source:
        return previous.revision, False
    return previous.revision + 1, True


def _unique(loaded: dict[str, LoadedFlow]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for git_path, item in loaded.items():
        other = seen.setdefault(_key(item), git_path)
        if other != git_path:
            raise TaskFailure(f"{other} and {git_path} are the same flow "
                              f"{item.flow.namespace}.{item.flow.id}")


def _missing(base: Path, folder: str, branch: str, fail: bool) -> None:
    if base.exists():
        raise TaskFailure(f"The path '{folder}' exists but is a file, not a directory. "
                          f"Sync tasks require a directory to process files.")
    if fail:
        raise TaskFailure(f"The directory '{folder}' was not found in the git repository. "
                          f"Verify if the path exists in the specified branch '{branch}'.")
