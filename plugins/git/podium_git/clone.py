"""io.kestra.plugin.git.Clone"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from podium.sdk import Example, RunContext, TaskFailure
from podium_git._git import Git
from podium_git._task import GitTask, inside, working_dir


class Clone(GitTask):
    """Clone a Git repository into the task's working directory.

    Place it in a `WorkingDirectory` so that the tasks after it see the files. `depth`
    (default 1) makes a shallow clone, unless `commit` or `tag` is set (then the whole
    history is fetched and that commit is checked out, detached). HTTP(S) remotes
    authenticate with `username` and `password` (or a personal access token), SSH remotes
    with `privateKey` (and `passphrase`); credentials never reach the clone's
    `.git/config` nor the logs. A non-empty target directory (e.g. `inputFiles`) is
    filled by `git init` + `fetch` + `checkout`.

    Outputs: `directory`, the path of the clone.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.git.Clone"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Clone a public GitHub repository.", code="""\
id: git_clone
namespace: company.team

tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: https://github.com/kestra-io/blueprints
        branch: main
"""),
        Example(title="Clone a private repository with a personal access token.", code="""\
id: git_clone
namespace: company.team

tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: https://github.com/kestra-io/examples
        branch: main
        username: git_username
        password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
"""),
    )

    directory: str | None = None
    branch: str | None = None
    depth: int | None = 1
    commit: str | None = None
    tag: str | None = None
    clone_all_branches: bool | None = True
    no_tags: bool | None = False

    def run(self, ctx: RunContext) -> dict:
        branch = self.ref(ctx, self.branch, "branch") or None
        if not self.clone_all_branches and not branch:
            raise TaskFailure("Invalid clone configuration: when `cloneAllBranches` is "
                              "false, `branch` must be set.")
        if self.tag is not None and self.no_tags:
            raise TaskFailure("Invalid clone configuration: `tag` cannot be used with "
                              "`noTags: true`.")
        root = working_dir(ctx)
        path = inside(root, str(ctx.render(self.directory)), "directory") \
            if self.directory else root
        git, url = self.git(ctx)
        try:
            ctx.log("INFO", f"Start cloning from '{url}'")
            if path.exists() and any(path.iterdir()):
                ctx.log("INFO", f"Target directory '{path}' is not empty, using "
                                f"init+fetch strategy")
                self._init_fetch(ctx, git, url, path, branch)
            else:
                self._clone(ctx, git, url, path, branch)
            self._checkout(ctx, git, path, branch)
        finally:
            git.close()
        return {"directory": str(path)}

    def _full(self) -> bool:  # a commit or tag needs the history
        return self.commit is not None or self.tag is not None

    def _clone(self, ctx: RunContext, git: Git, url: str, path: Path,
               branch: str | None) -> None:
        path.mkdir(parents=True, exist_ok=True)
        args = ["clone", "--quiet"]
        if not self._full():
            args += ["--branch", branch] if branch else []
            if self.depth:
                args += ["--depth", str(self.depth)]
        args.append("--no-single-branch" if self.clone_all_branches else "--single-branch")
        args += ["--no-tags"] if self.no_tags else []
        args += ["--recurse-submodules"] if self.clone_submodules else []
        git.run(*args, "--", url, str(path))
        self.apply_git_config(ctx, git, path)

    def _init_fetch(self, ctx: RunContext, git: Git, url: str, path: Path,
                    branch: str | None) -> None:
        git.run("init", "--quiet", str(path))
        git.run("remote", "add", "--", "origin", url, cwd=path)
        self.apply_git_config(ctx, git, path)
        single = not self.clone_all_branches and branch
        refspec = f"+refs/heads/{branch}:refs/remotes/origin/{branch}" if single \
            else "+refs/heads/*:refs/remotes/origin/*"
        args = ["fetch", "--quiet", "--no-tags" if self.no_tags else "--tags"]
        if not self._full() and self.depth:
            args += ["--depth", str(self.depth)]
        git.run(*args, "origin", refspec, cwd=path)
        if not self._full():
            branch = branch or self._default_branch(git, path)
            git.run("checkout", "--quiet", "-B", branch, f"origin/{branch}", cwd=path)
            ctx.log("INFO", f"Checked out branch {branch} from origin/{branch}")
        if self.clone_submodules:
            git.run("submodule", "update", "--init", "--recursive", cwd=path)

    def _default_branch(self, git: Git, path: Path) -> str:
        """The remote's HEAD branch, else main or master."""
        for line in git.run("ls-remote", "--symref", "origin", "HEAD", cwd=path).splitlines():
            if line.startswith("ref: refs/heads/"):
                return line.split()[1].removeprefix("refs/heads/")
        remotes = git.run("branch", "-r", cwd=path).split()
        for name in ("main", "master"):
            if f"origin/{name}" in remotes:
                return name
        raise TaskFailure("Cannot determine the default branch. Please specify the "
                          "'branch' property explicitly.")

    def _checkout(self, ctx: RunContext, git: Git, path: Path, branch: str | None) -> None:
        if self.commit is not None:
            sha = str(self.ref(ctx, self.commit, "commit"))
            git.run("checkout", "--quiet", "--detach", sha, cwd=path)
            ctx.log("INFO", f"Checked out commit {sha} (detached HEAD)")
        elif self.tag is not None:
            tag = str(self.ref(ctx, self.tag, "tag"))
            git.run("checkout", "--quiet", "--detach", f"refs/tags/{tag}^{{commit}}", cwd=path)
            ctx.log("INFO", f"Checked out tag {tag}")
