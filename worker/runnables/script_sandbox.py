"""How a script task's command runs: under its limits, in the worker's sandbox.

The policy (worker/sandbox.py) of a script process: its working directory and the attempt's
private folder (its Python layer, `npm install -g`) writable, npm's shared download cache
writable; read-only, what its runtime needs beyond the system folders: the cached script
environments, Podium's script libraries, the interpreters (the worker's base Python, the
one a Python task runs on, Node's prefix, uv), the folders of its PATH (with their
prefix: `/x/bin` brings `/x`, so a toolchain finds its libraries, pyenv's shims their
versions), the files its certificate / package-source variables name, pip's and uv's own
configuration and rustup's toolchains under HOME, and `worker.sandbox_read_only_paths`.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from pathlib import Path
from typing import Sequence

from podium.common.durations import parse_duration
from podium.common.plugins.tasks._script_base import ScriptLimits, parse_byte_size
from podium.worker.run_context import RunContext
from podium.worker.sandbox import SandboxPolicy, default_sandbox
from podium.worker.script_envs import ScriptEnvironments
from podium.worker.script_envs.isolation import LIBS_DIR
from podium.worker.script_limits import Limits

# Variables naming files or folders a script's tools read (certificates, package sources).
PATH_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
                  "PIP_CONFIG_FILE", "PIP_CERT", "PIP_CLIENT_CERT", "PIP_FIND_LINKS",
                  "JAVA_HOME", "npm_config_globalconfig")
# Under HOME, read-only: the package installers' configuration (indexes, find-links) and
# rustup's toolchains (its `~/.cargo/bin` proxies run them); never the rest of HOME.
HOME_CONFIG = (".config/pip", ".pip", ".config/uv", ".rustup")
_PREFIXED = ("bin", "sbin", "shims")


def _prefix(executable: str | None) -> list[str]:
    """The install prefix of an executable (`/p/bin/x` -> `/p`), found through links."""
    if not executable:
        return []
    return [str(Path(os.path.realpath(executable)).parent.parent)]


def _path_folders(path: str, home: str | None) -> list[str]:
    found = []
    for entry in path.split(os.pathsep):
        if not os.path.isabs(entry):
            continue
        found.append(entry)
        parent = os.path.dirname(os.path.realpath(entry))
        if os.path.basename(entry) in _PREFIXED and parent not in ("/", home):
            found.append(parent)
    return found


def script_policy(ctx: RunContext, env: dict[str, str]) -> SandboxPolicy:
    """The sandbox policy of a script process of `ctx` whose environment is `env`."""
    home = env.get("HOME")
    envs = ctx.script_envs or ScriptEnvironments.default()
    writable = [str(ctx.private_dir)]
    if env.get("npm_config_cache"):
        os.makedirs(env["npm_config_cache"], exist_ok=True)
        writable.append(env["npm_config_cache"])
    read_only = [str(envs.root), str(LIBS_DIR), sys.base_prefix,
                 *_prefix(getattr(sys, "_base_executable", "") or sys.executable),
                 *([envs.uv] if envs.uv else []),
                 *_path_folders(env.get("PATH", ""), home),
                 *_prefix(shutil.which("node", path=env.get("PATH", ""))),
                 *[env[name] for name in PATH_VARIABLES if os.path.isabs(env.get(name, ""))]]
    if env.get("VIRTUAL_ENV"):  # the layer's python links to the task's interpreter
        read_only += _prefix(os.path.join(env["VIRTUAL_ENV"], "bin", "python"))
    if home:
        read_only += [os.path.join(home, folder) for folder in HOME_CONFIG]
    return SandboxPolicy(workdir=str(ctx.working_dir), writable=tuple(writable),
                         read_only=tuple(read_only), home=home)


def task_limits(limits: ScriptLimits | None, ctx: RunContext) -> Limits:
    """The task's `limits` over the worker's defaults."""
    defaults = ctx.script_limits or Limits()
    if limits is None:
        return defaults
    cpu = None
    if limits.cpu is not None:
        cpu = max(1, int(-(-parse_duration(limits.cpu).total_seconds() // 1)))
    def size(text):
        return None if text is None else parse_byte_size(text)
    return Limits(cpu, size(limits.memory), size(limits.file_size)).over(defaults)


def _require_executable(program: str, env: dict[str, str]) -> None:
    """Fail as starting `program` would (bwrap starts in any case, and only then would
    report a missing program, as a failed command)."""
    found = shutil.which(program, path=env.get("PATH", "")) if "/" not in program else \
        (program if os.path.isfile(program) and os.access(program, os.X_OK) else None)
    if found is None:
        code = errno.EACCES if os.path.exists(program) else errno.ENOENT
        raise OSError(code, os.strerror(code), program)


def sandboxed_argv(argv: Sequence[str], ctx: RunContext, env: dict[str, str],
                   limits: Limits) -> list[str]:
    """`argv` as a script task runs it: under `limits`, in the worker's sandbox. Raises
    SandboxError (sandbox required but missing, no prlimit) and OSError (no such program)."""
    sandbox = ctx.sandbox or default_sandbox()
    sandbox.check()
    command = [*limits.prefix(), *argv]
    if sandbox.bwrap is None:
        return command
    _require_executable(argv[0], env)
    return sandbox.wrap(command, script_policy(ctx, env))
