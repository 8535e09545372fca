"""Which `dbt` the commands run.

Kestra runs them in an image that has dbt on its PATH. Podium runs them as local
processes, whose PATH is the worker's without its own Python environment: the `dbt` on the
task's PATH wins (one the task's `env` or `beforeCommands` provide, e.g. a virtual
environment it activates); else the dbt installed beside the worker (``sys.prefix``/bin,
`pip install podium-plugin-dbt[duckdb]`) or elsewhere on the worker's PATH, whose folder
is added at the END of the process's PATH (so the sandbox shows its environment, and the
task's own programs still come first); else the commands fail, saying how to install it.
The check is one shell line run just before the commands, after beforeCommands."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

NOT_FOUND = ("dbt was not found: install it beside the worker (pip install "
             "'podium-plugin-dbt[duckdb]' or '[postgres]'), or put it on the task's PATH "
             "(env or beforeCommands)")
# Fails the commands, saying why, when no `dbt` is on the PATH.
CHECK = f"command -v dbt >/dev/null 2>&1 || {{ echo {shlex.quote(NOT_FOUND)} >&2; exit 127; }}"


def worker_dbt(prefix: str | None = None, path: str | None = None) -> str | None:
    """dbt installed in the worker's environment (`prefix`/bin/dbt), else on its PATH."""
    beside = Path(prefix or sys.prefix) / "bin" / "dbt"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("dbt", path=path)


def fallback_folders(prefix: str | None = None, path: str | None = None) -> list[str]:
    """The folder to add at the end of PATH for the worker's dbt (none when it has none)."""
    found = worker_dbt(prefix, path)
    return [os.path.dirname(found)] if found else []
