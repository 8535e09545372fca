"""The language runtimes script tasks need on the worker (R, Ruby, Go, PowerShell, ...).

Kestra runs these tasks in the language's container image; Podium runs them as local
processes, so the language's program must be installed on the worker. A task whose program
is missing fails before anything runs, naming the program and where to get it, instead of
a shell's "not found" in the middle of its logs.
"""

from __future__ import annotations

import shutil

from podium.common.errors import ScriptEnvironmentError
from podium.common.plugins.tasks.script_languages import Language


def require_runtime(language: Language, env: dict[str, str]) -> None:
    """Raise ScriptEnvironmentError unless `language.program` is on the PATH of `env`."""
    path = env.get("PATH", "")
    if shutil.which(language.program, path=path) is None:
        raise ScriptEnvironmentError(
            f"{language.name} is not installed on this worker: no `{language.program}` on "
            f"PATH ({path}). Install {language.install} on the worker, or send the task to "
            "workers that have it (workerGroup)")
