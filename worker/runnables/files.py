"""Files between the internal storage and an attempt's working directory (Kestra's
FilesService and ScriptService), shared by the script tasks, WorkingDirectory and LocalFiles.

- `write_input_files`: `inputFiles` (name -> text, or a kestra://, nsfile:// or file:// URI
  copied in chunks);
- `upload_output_files`: `outputFiles` globs matched in the working directory, each file
  streamed to storage as an output of the task run; returns {relative path: URI};
- `upload_directory`: every file under `{{ outputDir }}`;
- `localize_uris`: kestra:// URIs in a command replaced by downloaded local copies.

Every name coming from a flow is checked (no ``..``, no absolute path, no backslash or
control character) and every file read or written must resolve inside the working
directory, so neither a name nor a symlink a script planted reaches the worker's own files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Callable

from podium.common.errors import UnsafePathError
from podium.common.storage import check_name, check_path
from podium.common.storage.globs import glob_regex
from podium.common.storage.local_paths import is_file_uri
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure
from podium.worker.runnables.execution_context import CONTEXT_FILE

# Kestra's ScriptService pattern, narrowed to URIs with a path: a bare "kestra://" in a
# comment or a message is left alone instead of failing the task.
_URI_IN_TEXT = re.compile(r"kestra:///[-a-zA-Z0-9%._+~#=/]+")


# ---------------------------------------------------------------- input files
def render_file_map(ctx: RunContext, files: Any, what: str,
                    extra: dict[str, Any] | None = None) -> dict[str, str | None]:
    """A `name -> content` property rendered: a map, or a string rendering to a JSON map."""
    if files is None:
        return {}
    if isinstance(files, str):
        try:
            files = json.loads(str(ctx.render(files, extra)))
        except ValueError:
            files = None
        if not isinstance(files, dict):
            raise TaskFailure(f"`{what}` must render to a JSON map of file names")
    return {str(ctx.render(str(name), extra)): None if content is None
            else str(ctx.render(str(content), extra)) for name, content in files.items()}


def write_input_files(ctx: RunContext, files: dict[str, str | None], what: str) -> None:
    """Write each file under the working directory; a content that is a file URI
    (kestra://, nsfile://, file://: Kestra's URIFetcher) is that file, copied in chunks and
    never held in memory; None an empty file."""
    root = ctx.working_dir.resolve()
    for name, content in files.items():
        target = inside(root, name, what)
        target.parent.mkdir(parents=True, exist_ok=True)
        if is_file_uri(content):
            ctx.download(content, target)
        else:
            target.write_text(content or "", encoding="utf-8")


def inside(root: Path, name: str, what: str) -> Path:
    """`root / name` for a safe relative `name` that stays inside `root` once symlinks
    are resolved; TaskFailure otherwise."""
    try:
        check_path(name, f"{what} name")
    except UnsafePathError as exc:
        raise TaskFailure(f"Invalid {what} path '{name}': {exc.reason}") from None
    target = root.joinpath(*name.split("/"))
    resolved = target.resolve()
    if resolved != root and root not in resolved.parents:
        raise TaskFailure(f"Invalid {what} path '{name}': it leads outside the working "
                          f"directory")
    return target


# ---------------------------------------------------------------- output files
def _check_pattern(pattern: str, what: str) -> str:
    if pattern.startswith("/") or any(part in ("..", ".") for part in pattern.split("/")):
        raise TaskFailure(f"Invalid {what} pattern '{pattern}': only relative paths "
                          f"inside the working directory are allowed")
    return pattern


def matching_files(root: Path, patterns: list[str],
                   what: str = "outputFiles") -> list[tuple[str, Path]]:
    """(relative path, path) of the regular files under `root` matching any pattern,
    sorted. A symlink leading outside `root` is refused, never followed; errors name
    `what` (the property the patterns come from)."""
    regexes = [glob_regex(_check_pattern(p, what)) for p in patterns]
    return files_where(root, lambda relative: any(regex.fullmatch(relative)
                                                  for regex in regexes), what)


def files_where(root: Path, predicate: Callable[[str], bool],
                what: str) -> list[tuple[str, Path]]:
    """(relative POSIX path, path) of the regular files under `root` whose relative path
    satisfies `predicate`, sorted; one leading outside `root` (a symlink) is a TaskFailure
    naming `what`. The execution context file of a script is never one of them (its name
    is reserved: it may hold secrets)."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if name == CONTEXT_FILE or not predicate(relative):
                continue
            inside(root, relative, what)  # refuses links out of the directory
            if path.is_file():
                found.append((relative, path))
    return sorted(found)


def stored_name(relative: str) -> str:
    """The file name an output gets in storage: its base name behind a short hash of its
    relative path (Kestra prefixes an id too), so `a/x.txt` and `b/x.txt` both keep theirs."""
    base = relative.rsplit("/", 1)[-1]
    try:
        check_name(base, "output file name")
    except UnsafePathError as exc:
        raise TaskFailure(f"Invalid output file '{relative}': {exc.reason}") from None
    return hashlib.sha1(relative.encode()).hexdigest()[:10] + "-" + base


def upload_output_files(ctx: RunContext, patterns: list[str]) -> dict[str, str]:
    """Upload the working directory's files matching `patterns`: {relative path: URI}."""
    root = ctx.working_dir.resolve()
    return {relative: ctx.put_file(path, stored_name(relative))
            for relative, path in matching_files(root, patterns)}


def upload_directory(ctx: RunContext, directory: Path) -> dict[str, str]:
    """Upload every file under `directory` (`{{ outputDir }}`): {path in it: URI}."""
    return {relative: ctx.put_file(path, stored_name(relative))
            for relative, path in matching_files(directory.resolve(), ["**"])}


def render_patterns(ctx: RunContext, patterns: Any, extra: dict[str, Any]) -> list[str]:
    """`outputFiles`: a list of globs, or an expression rendering to a (JSON) list."""
    if patterns is None:
        return []
    if isinstance(patterns, str):
        rendered = ctx.render_typed(patterns, extra)
        if isinstance(rendered, str):
            try:
                rendered = json.loads(rendered)
            except ValueError:
                rendered = [rendered]
        patterns = rendered if isinstance(rendered, list) else [rendered]
    return [str(ctx.render(str(p), extra)) for p in patterns]


# ---------------------------------------------------------------- URIs in commands
def localize_uris(ctx: RunContext, text: str) -> str:
    """Kestra's replaceInternalStorage: each kestra:// URI in `text` becomes the path of a
    local copy in the working directory (what `cat {{ inputs.file }}` needs)."""
    copies: dict[str, str] = {}

    def local(match: re.Match[str]) -> str:
        uri = match.group(0)
        if uri not in copies:
            fd, name = tempfile.mkstemp(dir=ctx.working_dir, prefix="file-")
            os.close(fd)
            copies[uri] = str(ctx.download(uri, name))
        return copies[uri]

    return _URI_IN_TEXT.sub(local, text)
