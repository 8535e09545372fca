"""`executionContext: true` on a script task: the execution's variables as a JSON file.

Kestra (the docs page scripts/execution-context) lets a script read the metadata it could
render with expressions (inputs, outputs, labels, vars, trigger, flow, execution, task,
taskrun, ...) as data, so the script stays valid code and values with quotes or newlines
cannot break it. Podium writes the same object to `.kestra-execution-context.json` in the
working directory and names it in KESTRA_EXECUTION_CONTEXT_FILE; `from kestra import
context` (Podium's library and the PyPI one) reads it, other languages parse the JSON.

- `envs` and `globals` are left out, as in Kestra (the environment reaches scripts anyway);
- SECRET inputs are in clear, as in Kestra: the file is the owner's only (0600), its name
  is reserved (never matched by `outputFiles`, `{{ outputDir }}` or namespace.UploadFiles
  patterns: worker/runnables/files.py), and it is removed once the commands are done, so a
  later task of the same WorkingDirectory never sees it;
- values JSON cannot hold (dates) are written as their ISO-8601 text.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from podium.common.templating import SERVICES_KEY
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure

CONTEXT_FILE = ".kestra-execution-context.json"
CONTEXT_FILE_ENV = "KESTRA_EXECUTION_CONTEXT_FILE"
_LEFT_OUT = frozenset({"envs", "globals", SERVICES_KEY})


def context_data(ctx: RunContext) -> dict[str, Any]:
    """The variables the file holds."""
    return {name: value for name, value in ctx.context.items() if name not in _LEFT_OUT}


def write_execution_context(ctx: RunContext) -> Path:
    """Write the file into the working directory (replacing any file or link of that name)
    and return its path."""
    path = ctx.working_dir / CONTEXT_FILE
    if path.is_dir() and not path.is_symlink():
        raise TaskFailure(f"'{CONTEXT_FILE}' is reserved for the execution context, but a "
                          "folder of that name is in the working directory")
    path.unlink(missing_ok=True)
    text = json.dumps(context_data(ctx), default=_plain, ensure_ascii=False)
    # O_EXCL: a link planted after the unlink above is refused, never written through.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def remove_execution_context(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
