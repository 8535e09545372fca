"""Real git repositories on disk: a bare repository in tmp_path is the remote, reached by a
file:// URL, and a seeding clone writes commits into it with the git command line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from podium.runtime import Runtime

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV},
                          capture_output=True, text=True, check=True)
    return done.stdout


class Remote:
    """A bare repository and a work clone of it that commits and pushes files."""

    def __init__(self, root: Path) -> None:
        self.bare = root / "remote.git"
        self.work = root / "seed"
        git("init", "--quiet", "--bare", "--initial-branch=main", str(self.bare))
        git("clone", "--quiet", str(self.bare), str(self.work))
        git("checkout", "--quiet", "-B", "main", cwd=self.work)

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def commit(self, files: dict[str, str | None], message: str = "seed") -> str:
        """Write (or delete, for None) these files, commit and push to main."""
        for name, text in files.items():
            path = self.work / name
            if text is None:
                git("rm", "--quiet", name, cwd=self.work)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            git("add", name, cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        git("push", "--quiet", "origin", "main", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work).strip()

    def log(self, branch: str = "main") -> list[str]:
        """Commit subjects on `branch` of the remote, newest first."""
        return git("--git-dir", str(self.bare), "log", "--format=%s", branch).splitlines()

    def show(self, path: str, branch: str = "main") -> str:
        return git("--git-dir", str(self.bare), "show", f"{branch}:{path}")

    def files(self, branch: str = "main") -> list[str]:
        return git("--git-dir", str(self.bare), "ls-tree", "-r", "--name-only",
                   branch).splitlines()


@pytest.fixture
def remote(tmp_path) -> Remote:
    return Remote(tmp_path)


@pytest.fixture
def runtime(tmp_path):
    runtime = Runtime.embedded(tmp_path / "data", workers=2, environ={})
    yield runtime
    runtime.close()
