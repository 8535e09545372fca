"""What every git task shares (Kestra's AbstractGitTask and AbstractCloningTask): the
connection properties, and cloning a branch into a directory.

Accepted and without effect, so that Kestra's flows validate: `kestraUrl` and `auth`
(Kestra's tasks call its API; Podium's write the store directly) and `connectTimeout`
(git has no connect timeout; an HTTP transfer stalled for `readTimeout` fails). The
task's `timeout` and a kill stop a running git at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from podium.sdk import RunContext, Task, TaskFailure
from podium_git._git import Credentials, Git, split_url


def working_dir(ctx: RunContext) -> Path:
    """The attempt's working directory (a property of the worker's context, a method in
    the SDK's protocol: both are read)."""
    value: Any = ctx.working_dir
    return Path(value() if callable(value) else value)


def inside(root: Path, relative: str, what: str, where: str = "the working directory") -> Path:
    """`relative` resolved under `root`; TaskFailure naming `what` when it leaves it."""
    target = (root / relative).resolve()
    if target != root.resolve() and root.resolve() not in target.parents:
        raise TaskFailure(f"{what} '{relative}' is outside {where}")
    return target


class GitTask(Task):
    url: str | None = None
    username: str | None = None
    password: str | None = None
    private_key: str | None = None
    passphrase: str | None = None
    trusted_ca_pem_path: str | None = None
    no_proxy: bool | None = None
    connect_timeout: int | None = 10000
    read_timeout: int | None = 60000
    git_config: dict[str, Any] | None = None
    clone_submodules: bool | None = None
    kestra_url: str | None = None
    auth: dict[str, Any] | None = None

    def _text(self, ctx: RunContext, value: Any) -> str | None:
        if value is None:
            return None
        return str(ctx.render(value))

    def git(self, ctx: RunContext) -> tuple[Git, str]:
        """A git runner with this task's credentials, and the remote URL (no user info)."""
        url = self._text(ctx, self.url)
        if not url:
            raise TaskFailure("url is required: the repository to clone")
        if url.startswith("-"):
            raise TaskFailure(f"url '{url}' is not a repository URL")
        given = Credentials(self._text(ctx, self.username), self._text(ctx, self.password),
                            self._text(ctx, self.private_key), self._text(ctx, self.passphrase))
        url, credentials = split_url(url, given)
        config = {}
        if self.trusted_ca_pem_path:
            config["http.sslCAInfo"] = str(ctx.render(self.trusted_ca_pem_path))
        if self.read_timeout:  # a transfer stalled that long fails, as a read timeout
            config.update({"http.lowSpeedLimit": "1",
                           "http.lowSpeedTime": str(max(1, self.read_timeout // 1000))})
        runner = Git(credentials, log=ctx.log, mask=ctx.mask, config=config,
                     no_proxy=bool(self.no_proxy), check_killed=ctx.check_killed)
        return runner, url

    def ref(self, ctx: RunContext, value: Any, what: str) -> str | None:
        """A branch, tag or commit, rendered; one git could read as an option is refused."""
        text = self._text(ctx, value)
        if text is not None and (text.startswith("-") or not text.strip()):
            raise TaskFailure(f"{what} '{text}' is not a valid git reference")
        return text

    def apply_git_config(self, ctx: RunContext, git: Git, repo: Path) -> None:
        """`gitConfig` written into the clone (section.name: value)."""
        for key, value in (ctx.render_value(self.git_config) or {}).items():
            if "." not in key:
                ctx.log("WARN", f"invalid git config key format: {key}. Expected "
                                f"'section.name' or 'section.subsection.name'")
                continue
            text = json.dumps(value) if isinstance(value, bool) else str(value)
            git.run("config", key, text, cwd=repo)

    def clone_branch(self, ctx: RunContext, git: Git, url: str, branch: str,
                     target: Path) -> Path:
        """Kestra's GitService.cloneBranch: a shallow clone of `branch`, or of the default
        branch then a new `branch` when the remote has no such branch (an empty remote
        gets its first branch)."""
        exists = bool(git.run("ls-remote", "--heads", "--", url, f"refs/heads/{branch}").strip())
        args = ["clone", "--quiet", "--depth", "1"]
        if exists:
            args += ["--branch", branch]
        if self.clone_submodules:
            args.append("--recurse-submodules")
        git.run(*args, "--", url, str(target))
        self.apply_git_config(ctx, git, target)
        if not exists:
            ctx.log("INFO", f"Branch {branch} does not exist, creating it")
            born = git.run("rev-parse", "--verify", "--quiet", "HEAD", cwd=target, check=False)
            if born.strip():
                git.run("checkout", "--quiet", "-b", branch, cwd=target)
            else:
                git.run("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=target)
        return target
