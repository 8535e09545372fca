"""The command a `<language>.Script` task runs (common/plugins/tasks/script_languages.py).

As Kestra's classes: the rendered script goes to a new file of the working directory with
the language's extension, and the command is the language's program on that file
(`ruby /…/script-x1y2.rb`, `go run /…/script-x1y2.go`), run by the interpreter after the
`beforeCommands`. Two languages differ:
- PowerShell is itself the interpreter (`pwsh -Command`): the command calls the file with
  PowerShell's call operator, the path in PowerShell's quotes;
- JBang takes the file's extension from the task (`.java`, `.jsh`, `.kt`, ...) and runs
  with `--quiet` unless `quiet: false`.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from pathlib import Path
from typing import Any

from podium.common.plugins.tasks.script_languages import (
    JBangScript,
    PowerShellScript,
    _LanguageScript,
)
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure

# A file extension and nothing else: it becomes part of a file name in the working
# directory, so no separator may take it elsewhere.
_EXTENSION = re.compile(r"\.[A-Za-z0-9_+-]{1,16}")


def write_script(ctx: RunContext, content: str, suffix: str) -> Path:
    """`content` in a new file of the working directory (owner-only), named *suffix."""
    fd, name = tempfile.mkstemp(prefix="script-", suffix=suffix, dir=ctx.working_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    path = Path(name)
    path.chmod(0o700)
    return path


def language_script_command(task: _LanguageScript, ctx: RunContext, script: str,
                            extra: dict[str, Any]) -> str:
    """Write the rendered `script` of `task` and return the command that runs it."""
    extension = _extension(task, ctx, extra)
    path = str(write_script(ctx, script, extension))
    if isinstance(task, PowerShellScript):
        return "& '" + path.replace("'", "''") + "'"
    run = list(task.LANGUAGE.run)
    if isinstance(task, JBangScript) and ctx.render_bool(task.quiet, extra):
        run.append("--quiet")
    return shlex.join([*run, path])


def _extension(task: _LanguageScript, ctx: RunContext, extra: dict[str, Any]) -> str:
    if not isinstance(task, JBangScript):
        return task.LANGUAGE.extension
    extension = str(ctx.render(task.extension, extra)).strip()
    if not _EXTENSION.fullmatch(extension):
        raise TaskFailure(f"`extension` must be a file extension such as .java or .kt, "
                          f"not '{extension}'")
    return extension
