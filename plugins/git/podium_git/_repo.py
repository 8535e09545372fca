"""A temporary clone of one branch for the sync and push tasks, the files of a folder of
it, `.kestraignore`, and the ION diff file these tasks output."""

from __future__ import annotations

import fnmatch
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from podium.sdk import RunContext
from podium.sdk.ion import to_ion
from podium_git._git import Git
from podium_git._task import GitTask, working_dir

SKIPPED = (".git", ".gitignore", ".gitkeep", ".kestraignore")


@contextmanager
def checked_out(ctx: RunContext, task: GitTask, branch: str) -> Iterator[tuple[Git, str, Path]]:
    """(git, remote URL, clone) of `branch` in a fresh folder of the working directory,
    removed afterwards (so these tasks also work inside a WorkingDirectory)."""
    git, url = task.git(ctx)
    folder = Path(tempfile.mkdtemp(prefix=".git-sync-", dir=working_dir(ctx)))
    try:
        yield git, url, task.clone_branch(ctx, git, url, branch, folder / "repo")
    finally:
        git.close()
        shutil.rmtree(folder, ignore_errors=True)


class KestraIgnore:
    """`.kestraignore` of a folder: one glob a line (`#` comments), matched against the
    relative path and the file name; a pattern ending with `/` names a folder."""

    def __init__(self, base: Path) -> None:
        file = base / ".kestraignore"
        lines = file.read_text(encoding="utf-8").splitlines() if file.is_file() else []
        self.patterns = [line.strip() for line in lines
                         if line.strip() and not line.strip().startswith("#")]

    def ignored(self, relative: str) -> bool:
        parts = relative.split("/")
        for pattern in self.patterns:
            bare = pattern.strip("/")
            if fnmatch.fnmatchcase(relative, bare) or fnmatch.fnmatchcase(parts[-1], bare):
                return True
            if any(fnmatch.fnmatchcase(part, bare) for part in parts[:-1]):
                return True  # a file in an ignored folder
        return False


def walk_files(base: Path, recursive: bool = True) -> Iterator[tuple[str, Path]]:
    """(relative posix path, path) of the regular files under `base`, folders and files
    of git's own skipped. Symbolic links are not followed out of `base`: a repository
    must not make a task read (or delete) the worker's files."""
    root = base.resolve()
    for folder, folders, names in os.walk(base):
        here = Path(folder)
        folders[:] = [name for name in folders if name not in SKIPPED and recursive
                      and _within(here / name, root)]
        for name in names:
            path = here / name
            if name not in SKIPPED and path.is_file() and _within(path, root):
                yield path.relative_to(base).as_posix(), path


def _within(path: Path, root: Path) -> bool:
    return not path.is_symlink() or path.resolve().is_relative_to(root)


def folder_files(base: Path, recursive: bool = True) -> dict[str, Path]:
    """The files under `base` (its own level only unless `recursive`) as {"/a/b.yml":
    path}, without git's files and `.kestraignore`d ones, sorted by depth then path."""
    ignore = KestraIgnore(base)
    found = {"/" + relative: path for relative, path in walk_files(base, recursive)
             if not ignore.ignored(relative)}
    return dict(sorted(found.items(), key=lambda item: (item[0].count("/"), item[0])))


def diff_file(ctx: RunContext, rows: list[dict[str, Any]], name: str) -> str:
    """The rows as an ION file (one value a line) in the internal storage; its URI."""
    folder = Path(tempfile.mkdtemp(prefix=".git-diff-", dir=working_dir(ctx)))
    try:
        path = folder / name
        with open(path, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(to_ion({k: v for k, v in row.items() if v is not None}) + "\n")
        return ctx.put_file(path, name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
