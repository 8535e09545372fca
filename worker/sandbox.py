"""The sandbox of script task processes: bubblewrap (`bwrap`), or a logged fallback.

A script is user code running next to the worker's credentials. In the sandbox it sees:
- its own processes only (a new PID namespace with its own /proc), no IPC or UTS of the host,
  no capabilities (root inside cannot remount or reach the host's devices);
- read-only system folders (SYSTEM_FOLDERS) and the read-only paths of its policy (the
  interpreters and script environments it needs), a private /tmp and an empty private HOME,
  and one writable working directory (plus the policy's other writable folders);
- nothing else: the worker's data folder (database, secrets.key), its working directory and
  other tasks' working directories do not exist there.
The network is shared: scripts call APIs and install packages.

bwrap runs under the launcher (worker/runnables/process.py), so the launcher's guarantees
hold: bwrap and the sandboxed tree are its descendants, SIGKILLed with the rest when the
worker releases them or dies; `--die-with-parent` and the PID namespace (its processes die
with its first one) add to that. bwrap exits with the command's status (128 + N when
killed by signal N), which the task reports as before.

`Sandbox.start(mode)` decides once per worker (`worker.sandbox`): `auto` uses bwrap when it
is installed and works (a probe run), else warns once and runs scripts unsandboxed; `bwrap`
requires it (scripts fail with SandboxError without it); `none` never uses it. Unsandboxed,
the environment is still scrubbed (worker/runnables/script_env.py), but a script can read
the files and the /proc entries (environment included) of processes of the worker's user.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, replace
from typing import Literal, Sequence

from podium.common.errors import SandboxError

SandboxMode = Literal["auto", "bwrap", "none"]
# Mounted read-only at their own path (a symlink, as /bin on merged-/usr systems, is
# recreated as the same symlink). /opt holds add-on toolchains (FHS), /sys no secret.
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
                  "/opt", "/sys")
PROBE_TIMEOUT_SECONDS = 10.0
logger = logging.getLogger("podium.worker.sandbox")


@dataclass(frozen=True)
class SandboxPolicy:
    """What one sandboxed process may see; every path absolute, on the host.

    `workdir` is writable and the process's current directory; `writable` and `read_only`
    are mounted at the same path (missing ones skipped); `home`, when given, is an empty
    private folder (the worker's HOME holds its own configuration and credentials)."""

    workdir: str
    writable: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()
    home: str | None = None


# Mount kinds, in the order they apply at equal depth: a folder is emptied before what is
# mounted inside it, read-only parents before writable children.
_TMPFS, _READ_ONLY, _WRITABLE = 0, 1, 2
_OPTIONS = {_TMPFS: "--tmpfs", _READ_ONLY: "--ro-bind", _WRITABLE: "--bind"}


def _real(path: str) -> str:
    return os.path.realpath(path)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _system_mounts() -> tuple[list[str], list[str]]:
    """(bwrap arguments for the system folders, their real paths)."""
    args: list[str] = []
    real: list[str] = []
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            args += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
            real.append(_real(folder))
    # /etc/resolv.conf may link into /run (systemd-resolved): name resolution needs it.
    resolv = _real("/etc/resolv.conf")
    if os.path.exists(resolv) and not any(_within(resolv, f) for f in real):
        args += ["--ro-bind", resolv, resolv]
    return args, real


def bwrap_argv(policy: SandboxPolicy, bwrap: str = "bwrap") -> list[str]:
    """The bwrap command line (up to and including `--`) that applies `policy`."""
    system_args, system = _system_mounts()
    mounts: dict[str, int] = {"/tmp": _TMPFS}
    if policy.home and _real(policy.home) != "/":
        mounts[_real(policy.home)] = _TMPFS
    writable = [_real(path) for path in (*policy.writable, policy.workdir)]
    # A read-only path inside a writable one (a Python layer's `bin` on PATH, in the
    # attempt's private folder) stays writable: mounting it would make it read-only.
    for path in policy.read_only:
        real = _real(path)
        if os.path.exists(real) and not any(_within(real, f) for f in (*system, *writable)):
            mounts.setdefault(real, _READ_ONLY)
    for real in writable:
        if os.path.exists(real):
            mounts[real] = _WRITABLE
    args = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev",
            *system_args]
    for path, kind in sorted(mounts.items(), key=lambda item: (item[0].count("/"), item[1])):
        args += [_OPTIONS[kind], path] if kind == _TMPFS else [_OPTIONS[kind], path, path]
    return [*args, "--chdir", _real(policy.workdir), "--"]


def _probe(bwrap: str) -> str | None:
    """Why `bwrap` cannot sandbox here (None: it works): it needs namespaces, which a
    container or the kernel's settings may refuse."""
    command = [bwrap, "--die-with-parent", "--unshare-pid", "--cap-drop", "ALL", "--ro-bind",
               "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=PROBE_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{bwrap} does not run: {exc}"
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        return f"{bwrap} does not work here: {said[-1] if said else done.returncode}"
    return None


@dataclass(frozen=True)
class Sandbox:
    """The worker's choice: `bwrap` (the executable) when scripts are sandboxed; `refusal`
    the reason scripts may not run (mode `bwrap` without a working bubblewrap)."""

    mode: SandboxMode
    bwrap: str | None = None
    refusal: str | None = None
    # `worker.sandbox_read_only_paths`: added to every policy.
    read_only: tuple[str, ...] = ()

    @classmethod
    def start(cls, mode: SandboxMode = "auto", read_only: Sequence[str | os.PathLike] = ()
              ) -> "Sandbox":
        """Decide (a probe run of bwrap) and log the outcome once; never raises."""
        paths = tuple(str(path) for path in read_only)
        if mode == "none":
            logger.warning("Script sandbox disabled (worker.sandbox=none): script tasks run "
                           "unsandboxed, with a scrubbed environment, but can read the "
                           "worker's files and /proc (docs/security.md, \"Script sandbox\")")
            return cls(mode, read_only=paths)
        found = shutil.which("bwrap")
        reason = _probe(found) if found else "bubblewrap (bwrap) is not installed"
        if reason is None:
            logger.info("Script tasks run in a bubblewrap sandbox (%s)", found)
            return cls(mode, bwrap=found, read_only=paths)
        if mode == "bwrap":
            logger.error("Script sandbox required (worker.sandbox=bwrap) but %s: script "
                         "tasks will fail", reason)
            return cls(mode, refusal=reason, read_only=paths)
        logger.warning("Script sandbox unavailable: %s. Script tasks run unsandboxed, with "
                       "a scrubbed environment, but can read the worker's files and /proc; "
                       "install bubblewrap (docs/security.md, \"Script sandbox\")", reason)
        return cls(mode, read_only=paths)

    def check(self) -> None:
        """Raises SandboxError when scripts may not run (bubblewrap required, missing)."""
        if self.refusal is not None:
            raise SandboxError(f"Script tasks must run in a sandbox (worker.sandbox=bwrap), "
                               f"but {self.refusal}")

    def wrap(self, argv: Sequence[str], policy: SandboxPolicy) -> list[str]:
        """`argv` as it runs under this sandbox (as is without bubblewrap). Raises
        SandboxError when scripts may not run."""
        self.check()
        if self.bwrap is None:
            return list(argv)
        policy = replace(policy, read_only=(*policy.read_only, *self.read_only))
        return [*bwrap_argv(policy, self.bwrap), *argv]


_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The sandbox of a run context given none (tests, tools): `auto`, decided once."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox.start("auto")
        return _default
