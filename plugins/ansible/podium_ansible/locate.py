"""Which Ansible programs the commands run.

Kestra runs them in an image with Ansible on its PATH. Podium runs them as local processes,
whose PATH is the worker's without its own Python environment: the program on the task's
PATH wins (one the task's `env` or `beforeCommands` provide); else the one installed beside
the worker (``sys.prefix``/bin, `pip install 'podium-plugin-ansible[ansible]'`) or
elsewhere on the worker's PATH, whose folder is added at the END of the process's PATH;
else the commands stop at a shell check naming the missing program and how to install it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Callable

# The first word of a command that runs an Ansible program (ansible, ansible-playbook...).
_PROGRAM = re.compile(r"\s*(ansible(?:-[a-z]+)?)(?=\s|$)")
# What sh, dash and bash say when a command names a program they cannot find.
_SHELL_NOT_FOUND = re.compile(r"\b(ansible(?:-[a-z]+)?): (?:command )?not found\s*$")
NOT_FOUND = ("{program} was not found: install Ansible beside the worker (pip install "
             "'podium-plugin-ansible[ansible]', or pip install ansible-core), or put it on "
             "the task's PATH (env or beforeCommands)")


def not_found(program: str) -> str:
    return NOT_FOUND.format(program=program)


def programs(commands: list[str]) -> list[str]:
    """The Ansible programs the commands start with, in order, each once."""
    found: list[str] = []
    for command in commands:
        match = _PROGRAM.match(command)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def checks(commands: list[str]) -> list[str]:
    """Shell lines that stop the run (exit 127), saying why, when a program is missing."""
    return [f"command -v {program} >/dev/null 2>&1 || "
            f"{{ echo {shlex.quote(not_found(program))} >&2; exit 127; }}"
            for program in programs(commands)]


def worker_ansible(prefix: str | None = None, path: str | None = None) -> str | None:
    """ansible-playbook installed in the worker's environment, else on its PATH."""
    beside = Path(prefix or sys.prefix) / "bin" / "ansible-playbook"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("ansible-playbook", path=path)


def fallback_folders(prefix: str | None = None, path: str | None = None) -> list[str]:
    """The folder to add at the end of PATH for the worker's Ansible (none without one)."""
    found = worker_ansible(prefix, path)
    return [os.path.dirname(found)] if found else []


class Report:
    """The `on_line` of the run: logs each line as the script tasks do (stdout INFO, stderr
    ERROR) and keeps the not-found message of a check (or of the shell, for a program that
    beforeCommands run), the task's failure then."""

    def __init__(self, log: Callable[[str, str], None]) -> None:
        self.log = log
        self.missing: str | None = None

    def line(self, text: str, is_stderr: bool) -> None:
        if is_stderr and " was not found: install Ansible beside the worker" in text:
            self.missing = text
        elif is_stderr and (shell := _SHELL_NOT_FOUND.search(text)):
            # An Ansible program named by beforeCommands, which run before the checks.
            self.missing = not_found(shell.group(1))
            text = f"{text} ({self.missing})"
        self.log("ERROR" if is_stderr else "INFO", text)
