"""Which installed Python a script task runs on (`pythonVersion`).

Podium never downloads an interpreter (a worker may only reach a package index): it looks,
in order, at `python<M.m>`, `python<M>`, `python3` and `python` on the task's PATH, then at
the interpreter the worker itself is built on, then asks uv (which also knows the
interpreters uv installed). The first whose version starts with the requested one wins
(`3.12` takes 3.12.x). Without `pythonVersion`, the first of `python3` / `python` that runs,
as a shell would pick it.

A candidate is run once to learn its version and its *base* executable: a virtual
environment's `python` (or a pyenv shim) stands for the interpreter behind it, so an
environment built on it never sees that environment's packages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass

from podium.common.errors import ScriptEnvironmentError

PROBE_TIMEOUT_SECONDS = 30.0
_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")
# Run with -I (isolated: no PYTHON* variables, no user site): what the interpreter is.
_PROBE = ("import json, os, sys\n"
          "exe = getattr(sys, '_base_executable', '') or sys.executable\n"
          "print(json.dumps({'executable': os.path.realpath(exe),"
          " 'version': '%d.%d.%d' % sys.version_info[:3],"
          " 'implementation': sys.implementation.name}))")


@dataclass(frozen=True)
class Interpreter:
    executable: str  # a base interpreter, never a virtual environment's
    version: str  # "3.11.7"

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


def parse_version_request(text: str | None) -> str | None:
    """`pythonVersion` as given ("3.12", "3.12.1", "3"), or ScriptEnvironmentError."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if not _VERSION.match(text):
        raise ScriptEnvironmentError(
            f"pythonVersion '{text}' is not a version such as 3.12 or 3.12.1")
    return text


def _matches(version: str, request: str) -> bool:
    wanted = request.split(".")
    return version.split(".")[:len(wanted)] == wanted


class InterpreterFinder:
    """Finds interpreters; each candidate is probed once per process (per file version)."""

    def __init__(self, uv: str | None = None) -> None:
        self.uv = uv
        self._probed: dict[tuple[str, float], Interpreter | None] = {}
        self._lock = threading.Lock()

    def find(self, request: str | None, env: dict[str, str]) -> Interpreter:
        """The interpreter for `request` (None: the default one), looked up on env's PATH.
        Raises ScriptEnvironmentError naming what was found instead."""
        seen: list[Interpreter] = []
        for candidate in self._candidates(request, env):
            found = self.probe(candidate, env)
            if found is None:
                continue
            if request is None or _matches(found.version, request):
                return found
            seen.append(found)
        if request is None:  # unreachable in practice: the worker's own base is a candidate
            raise ScriptEnvironmentError("No Python interpreter found on this worker")
        others = ", ".join(sorted({f"{i.version} ({i.executable})" for i in seen})) or "none"
        raise ScriptEnvironmentError(
            f"pythonVersion '{request}': no Python {request} is installed on this worker "
            f"(found: {others}). Podium does not download interpreters: install Python "
            f"{request} on the worker, or remove pythonVersion")

    def _candidates(self, request: str | None, env: dict[str, str]):
        path = env.get("PATH", "")
        names = ["python3", "python"]
        if request is not None:
            parts = request.split(".")
            names = ([f"python{parts[0]}.{parts[1]}"] if len(parts) > 1 else []) + \
                [f"python{parts[0]}"] + names
        for name in dict.fromkeys(names):
            found = shutil.which(name, path=path)
            if found:
                yield found
        yield getattr(sys, "_base_executable", "") or sys.executable
        if request is not None and self.uv:
            found = self._uv_find(request, env)
            if found:
                yield found

    def _uv_find(self, request: str, env: dict[str, str]) -> str | None:
        try:
            done = subprocess.run(
                [self.uv, "python", "find", "--system", "--no-config", request],
                env={**env, "UV_PYTHON_DOWNLOADS": "never"}, capture_output=True, text=True,
                timeout=PROBE_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            return None
        lines = done.stdout.strip().splitlines()
        return lines[-1] if done.returncode == 0 and lines else None

    def probe(self, executable: str, env: dict[str, str]) -> Interpreter | None:
        """What `executable` is (None: it does not run as a CPython-like interpreter)."""
        try:
            key = (executable, os.stat(executable).st_mtime)
        except OSError:
            return None
        with self._lock:
            if key in self._probed:
                return self._probed[key]
        found = self._run_probe(executable, env)
        with self._lock:
            self._probed[key] = found
        return found

    @staticmethod
    def _run_probe(executable: str, env: dict[str, str]) -> Interpreter | None:
        try:
            done = subprocess.run([executable, "-I", "-c", _PROBE], env=env,
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                  timeout=PROBE_TIMEOUT_SECONDS)
            facts = json.loads(done.stdout.strip().splitlines()[-1]) \
                if done.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
            return None
        if not isinstance(facts, dict) or not os.path.isfile(facts.get("executable", "")):
            return None
        return Interpreter(executable=facts["executable"], version=facts["version"])
