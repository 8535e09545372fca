"""What PushFlows and PushNamespaceFiles share (Kestra's AbstractPushTask): write files
into a folder of a clone of the branch, remove the outdated ones, commit, push, and
describe the change as an ION diff file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podium.sdk import RunContext
from podium_git._git import Git, commit_url
from podium_git._repo import KestraIgnore, checked_out, diff_file, walk_files
from podium_git._task import GitTask, inside

# Writes one file's content to the path it is given.
Writer = Callable[[Path], None]
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class PushTask(GitTask):
    commit_message: str | None = None
    dry_run: bool | None = False
    author_email: str | None = None
    author_name: str | None = None
    delete: bool | None = True

    def globs(self, ctx: RunContext, value: Any) -> list[str] | None:
        """A glob, a list of them, or an expression rendering to either (JSON list)."""
        if value is None:
            return None
        if isinstance(value, list):
            return [str(ctx.render(item)) for item in value]
        rendered = ctx.render_typed(value)
        if isinstance(rendered, str):
            try:
                rendered = json.loads(rendered)
            except ValueError:
                return [rendered]
        return [str(item) for item in rendered] if isinstance(rendered, list) \
            else [str(rendered)]

    def push(self, ctx: RunContext, branch: str, folder: str, contents: dict[str, Writer],
             selects: Callable[[str], bool], default_message: str,
             diff_name: str) -> dict[str, Any]:
        """Write `contents` ({path under folder: writer}) into `folder` of `branch`, delete
        (with `delete`) the other files of the folder `selects` names, commit and push.
        Outputs commitId, commitURL (None for a dry run or nothing to commit) and the
        diff file under `diff_name`."""
        with checked_out(ctx, self, branch) as (git, url, repo):
            base = inside(repo, folder, "gitDirectory", "the repository")
            base.mkdir(parents=True, exist_ok=True)
            ignore = KestraIgnore(base)
            contents = {p: w for p, w in contents.items() if not ignore.ignored(p)}
            for relative, write in contents.items():
                target = inside(base, relative, "file", "gitDirectory")
                target.parent.mkdir(parents=True, exist_ok=True)
                write(target)
            if self.delete:
                _remove_outdated(base, set(contents), selects, ignore)
            if not contents:
                ctx.log("INFO", "No content to push - skipping Git operations.")
                return {"commitId": None, "commitURL": None, diff_name: None}
            git.run("add", "--all", "--", base.relative_to(repo).as_posix() or ".", cwd=repo)
            outputs = self._commit(ctx, git, url, repo, branch, default_message)
            span = ["--cached", "HEAD" if _has_head(git, repo) else _EMPTY_TREE] \
                if self.dry_run else _last_commit(git, repo, outputs["commitId"])
            rows = _diff_rows(git, repo, span) if span else []
        outputs[diff_name] = diff_file(ctx, rows, f"{diff_name}.ion")
        return outputs

    def _commit(self, ctx: RunContext, git: Git, url: str, repo: Path, branch: str,
                default_message: str) -> dict[str, Any]:
        if self.dry_run:
            ctx.log("INFO", f"Dry run — no changes will be pushed to {url} for now until "
                            f"you set the `dryRun` parameter to false")
            return {"commitId": None, "commitURL": None}
        staged = git.run("diff", "--cached", "--name-only", cwd=repo).strip()
        if not staged:
            ctx.log("INFO", "No changes to commit. Skipping push.")
            return {"commitId": None, "commitURL": None}
        name = self._text(ctx, self.author_name) or self._text(ctx, self.username) or "Podium"
        email = self._text(ctx, self.author_email) or "podium@localhost"
        git.run("config", "user.name", name, cwd=repo)
        git.run("config", "user.email", email, cwd=repo)
        message = str(ctx.render(self.commit_message)) if self.commit_message \
            else default_message
        ctx.log("INFO", f"Pushing to {url} on branch {branch}")
        git.run("commit", "--quiet", "--message", message, cwd=repo)
        git.run("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=repo)
        commit_id = git.run("rev-parse", "HEAD", cwd=repo).strip()
        link = commit_url(url, branch, commit_id)
        ctx.log("INFO", f"Pushed to {link}")
        return {"commitId": commit_id, "commitURL": link}


def _has_head(git: Git, repo: Path) -> bool:
    return bool(git.run("rev-parse", "--verify", "--quiet", "HEAD", cwd=repo, check=False))


def _last_commit(git: Git, repo: Path, commit_id: str | None) -> list[str] | None:
    """The span of the commit just made (from the empty tree for a first commit)."""
    if commit_id is None:
        return None
    parent = git.run("rev-parse", "--verify", "--quiet", "HEAD~1", cwd=repo, check=False)
    return [parent.strip() or _EMPTY_TREE, "HEAD"]


def _remove_outdated(base: Path, keep: set[str], selects: Callable[[str], bool],
                     ignore: KestraIgnore) -> None:
    for relative, path in list(walk_files(base)):
        if relative not in keep and not ignore.ignored(relative) and selects(relative):
            path.unlink()


def _diff_rows(git: Git, repo: Path, span: list[str]) -> list[dict[str, str]]:
    """Kestra's rows: per file, the lines each edit adds (net), removes (net) and changes
    (edits of equal length), from a zero-context diff."""
    text = git.run("diff", "--no-color", "--no-renames",
                   "--unified=0", *span, cwd=repo)
    rows: dict[str, list[int]] = {}
    current: list[int] = [0, 0, 0]
    old = new = ""
    for line in text.splitlines():
        if line.startswith("--- "):
            old = line[6:] if line.startswith("--- a/") else ""
        elif line.startswith("+++ "):
            new = line[6:] if line.startswith("+++ b/") else ""
            current = rows.setdefault(new or old, [0, 0, 0])
        elif (hunk := _HUNK.match(line)) is not None:
            removed = int(hunk.group(1) if hunk.group(1) is not None else 1)
            added = int(hunk.group(2) if hunk.group(2) is not None else 1)
            delta = added - removed
            current[0 if delta > 0 else 1 if delta < 0 else 2] += abs(delta) or added
    return [{"file": path, "additions": f"+{a}", "deletions": f"-{d}", "changes": str(c)}
            for path, (a, d, c) in sorted(rows.items())]
