"""CPU, memory and file-size limits of a script task's processes (setrlimit, by `prlimit`).

The worker's defaults (`worker.script_cpu_seconds`, `script_memory_mb`,
`script_file_size_mb`) apply to every script task; a task's `limits` property
(common/plugins/tasks/_script_base.py) overrides them one by one. They are resource limits
of each process (RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE), inherited by its children, each of
which has its own count: they stop a runaway loop, allocation or file, not a task that
spreads its work over many processes.

`prlimit` (util-linux) applies them just before the command, inside the sandbox. A process
over its CPU time gets SIGXCPU (SIGKILL one second later if it ignores it), one writing past
the file size SIGXFSZ (or EFBIG where it ignores that signal, as Python does); one over its
memory sees its allocations fail, which most runtimes report as an out-of-memory error.
"""

from __future__ import annotations

import shutil
import signal
from dataclasses import dataclass, replace

from podium.common.errors import SandboxError

MIB = 1 << 20
_SIGNALLED = 128  # a shell's exit code for a child killed by signal N is 128 + N


def format_bytes(size: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int | None = None
    memory_bytes: int | None = None
    file_size_bytes: int | None = None

    @classmethod
    def from_settings(cls, worker) -> "Limits":
        """The worker-wide defaults of common.settings.WorkerSettings."""
        def mib(value: int | None) -> int | None:
            return None if value is None else value * MIB

        return cls(worker.script_cpu_seconds, mib(worker.script_memory_mb),
                   mib(worker.script_file_size_mb))

    def over(self, defaults: "Limits") -> "Limits":
        """These limits, each unset one taken from `defaults`."""
        return replace(defaults, **{name: value for name, value in vars(self).items()
                                    if value is not None})

    def prefix(self) -> list[str]:
        """The command that applies these limits to the argv that follows it ([] for none).
        Raises SandboxError when `prlimit` is missing."""
        options = []
        if self.cpu_seconds is not None:  # soft then hard: SIGXCPU first, SIGKILL 1 s later
            options.append(f"--cpu={self.cpu_seconds}:{self.cpu_seconds + 1}")
        if self.memory_bytes is not None:
            options.append(f"--as={self.memory_bytes}")
        if self.file_size_bytes is not None:
            options.append(f"--fsize={self.file_size_bytes}")
        if not options:
            return []
        prlimit = shutil.which("prlimit", path="/usr/bin:/bin:/usr/sbin:/sbin")
        if prlimit is None:
            raise SandboxError("Script limits need `prlimit` (util-linux), which is not "
                               "installed on this worker")
        return [prlimit, *options, "--"]

    def explain(self, exit_code: int) -> str | None:
        """Why a command that ended with `exit_code` failed, when a limit is the likely
        cause (None otherwise)."""
        if self.cpu_seconds is not None and exit_code == _SIGNALLED + signal.SIGXCPU:
            return f"killed: CPU time limit {self.cpu_seconds} s exceeded"
        if self.file_size_bytes is not None and exit_code == _SIGNALLED + signal.SIGXFSZ:
            return f"killed: file size limit {format_bytes(self.file_size_bytes)} exceeded"
        if self.memory_bytes is not None and exit_code != 0:
            return (f"the task's memory limit ({format_bytes(self.memory_bytes)} per process) "
                    "may have been exceeded")
        return None
