"""The environment variables of a script task's process, and its Python / Node setup.

Not the worker's: only PATH (without the worker's own Python environment, see
worker/script_envs/isolation.py), HOME, LANG, LC_ALL, TZ, JAVA_HOME, the proxy and CA
bundle variables and pip's and uv's package sources (PIP_CONFIG_FILE, PIP_INDEX_URL, ...)
are passed, plus PYTHONUNBUFFERED=1 (so Python output streams) and WORKING_DIR,
then the task's `env`, which overrides them. A Python task then gets its per-attempt
virtual environment first on PATH (`python`, `pip` and the `kestra` library:
worker/script_envs), a Node task npm's shared cache and Podium's `@kestra-io/libs`; the
other languages' tasks need their program on that PATH (worker/script_envs/runtimes.py).
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Sequence

from podium.common.errors import ScriptEnvironmentError
from podium.common.plugins.tasks.script_languages import _LanguageTask
from podium.common.plugins.tasks.scripts import _ExecScript, _NodeScript
from podium.worker.run_context import Killed, RunContext, TimedOut
from podium.worker.runnables.process import run_process
from podium.worker.script_envs import PythonRequest, Run, ScriptEnvironments, clean_path
from podium.worker.script_envs.runtimes import require_runtime

INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ",
                 # How this machine reaches the network, so `pip install` / `npm install`
                 # in a script work behind the same proxy and TLS interception as the worker.
                 "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
                 "NODE_EXTRA_CA_CERTS",
                 # Where the machine's JDK is, for Groovy and JBang (their launchers
                 # need it where the JDK is not the system default).
                 "JAVA_HOME",
                 # Where packages come from, as for the worker's own installers (a private
                 # index, certificates): `pip install` in a script then finds what
                 # `dependencies` find. Never PIP_USER, PIP_TARGET and the like, which
                 # would install outside the attempt's environment.
                 "PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
                 "PIP_NO_INDEX", "PIP_TRUSTED_HOST", "PIP_CERT", "PIP_CLIENT_CERT",
                 "PIP_DEFAULT_TIMEOUT", "PIP_RETRIES", "UV_INDEX", "UV_DEFAULT_INDEX",
                 "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_NO_INDEX",
                 "UV_NATIVE_TLS", "UV_INSECURE_HOST")
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_PREPARED_PATHS = ("PATH", "NODE_PATH", "VIRTUAL_ENV")
# Lines of a failing installer's output quoted in the task's error.
ERROR_TAIL_LINES = 15


def script_environment(task: _ExecScript, ctx: RunContext, task_env: dict[str, str],
                       python: PythonRequest | None) -> dict[str, str]:
    """The process environment of `task` (`python`: what a Python task asks for, rendered);
    prepares its Python or Node environment first. Raises ScriptEnvironmentError (the
    task's failure), Killed, TimedOut."""
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.setdefault("PATH", DEFAULT_PATH)
    env.setdefault("HOME", str(ctx.working_dir))
    env["PYTHONUNBUFFERED"] = "1"
    env["WORKING_DIR"] = str(ctx.working_dir)
    env.update(task_env)
    env["PATH"] = clean_path(env["PATH"])
    envs = ctx.script_envs or ScriptEnvironments.default()
    if python is not None:
        _merge(env, envs.python(ctx, python, env, installer_runner(ctx)), task_env)
    elif isinstance(task, _NodeScript):
        _merge(env, envs.node(ctx, env), task_env)
    elif isinstance(task, _LanguageTask):
        require_runtime(task.LANGUAGE, env)
    return env


def _merge(env: dict[str, str], prepared: dict[str, str], task_env: dict[str, str]) -> None:
    """Add what the environment preparation set; the task's own `env` keeps its settings
    (npm_config_*, PIP_*), but the search paths are always the prepared ones (they
    already include the task's PATH / NODE_PATH)."""
    for name, value in prepared.items():
        if name in _PREPARED_PATHS or name not in task_env:
            env[name] = value


def installer_runner(ctx: RunContext) -> Run:
    """Runs installer commands for the attempt: output logged at DEBUG, stopped by a kill or
    the task's timeout, a failure raised with the output's last lines."""

    def run(argv: Sequence[str], env: dict[str, str], cwd: Path) -> None:
        tail: deque[str] = deque(maxlen=ERROR_TAIL_LINES)

        def on_line(line: str, is_stderr: bool) -> None:
            tail.append(line)
            ctx.log("DEBUG", line)

        name = " ".join(os.path.basename(argv[0]).split() + list(argv[1:3]))
        try:
            result = run_process(argv, cwd=cwd, env=env, ctx=ctx, on_line=on_line)
        except OSError as exc:
            raise ScriptEnvironmentError(f"Unable to start '{argv[0]}': "
                                         f"{exc.strerror or exc}") from None
        if result.stopped == "killed":
            raise Killed()
        if result.stopped == "timeout":
            raise TimedOut(ctx.timeout_message())
        if result.exit_code != 0:
            raise ScriptEnvironmentError(
                f"`{name}` failed with exit code {result.exit_code}:\n" + "\n".join(tail))

    return run
