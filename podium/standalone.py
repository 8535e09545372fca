"""`podium server standalone`: every service of a deployment in one container or pod.

Each component is the real `podium <role>` command in a child process (the same code a
scaled deployment runs, each with its own management port), supervised here: SIGTERM and
SIGINT are passed on to every child (workers then drain, see `podium worker`); if one
child exits on its own, the others are stopped and the supervisor exits with its code, so
the orchestrator restarts the whole set.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

from podium.common.observability.metrics import DEFAULT_PORTS

log = logging.getLogger("podium.standalone")


def component_commands(api_host: str, api_port: int, worker_concurrency: int | None,
                       with_webserver: bool = True) -> list[list[str]]:
    base = [sys.executable, "-m", "podium.cli"]
    worker = [*base, "worker"] + (["--concurrency", str(worker_concurrency)]
                                   if worker_concurrency else [])
    commands = [[*base, "executor"], worker, [*base, "scheduler"]]
    if with_webserver:
        commands.append([*base, "webserver", "--host", api_host, "--port", str(api_port)])
    return commands


def management_env(command: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """Each component on its own management port: its service's default (9101-9104), as
    probes expect, whatever one PODIUM_MANAGEMENT__PORT says; `0` (any free port) stays."""
    role = command[3]
    if environ.get("PODIUM_MANAGEMENT__PORT") == "0":
        return {**environ}
    return {**environ, "PODIUM_MANAGEMENT__PORT": str(DEFAULT_PORTS[role])}


class Supervisor:
    def __init__(self, commands: Sequence[Sequence[str]], stop_timeout: float = 60.0) -> None:
        self.commands = [list(command) for command in commands]
        self.stop_timeout = stop_timeout
        self.children: list[subprocess.Popen] = []
        self.stopping = False

    def run(self) -> int:
        """Start every child and wait; returns the exit code for this process."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.children = [subprocess.Popen(command, env=management_env(command, os.environ))
                         for command in self.commands]
        while True:
            for child in self.children:
                code = child.poll()
                if code is not None:
                    return self._finish(child, code)
            time.sleep(0.5)

    def _on_signal(self, signum: int, _frame) -> None:
        self.stopping = True
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signum)

    def _finish(self, first: subprocess.Popen, code: int) -> int:
        if not self.stopping:
            log.error("%s exited with %s: stopping the other components", first.args, code)
            self._on_signal(signal.SIGTERM, None)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        codes = [child.returncode for child in self.children]
        if self.stopping and code in (0, -signal.SIGTERM):
            return 0 if all(c in (0, -signal.SIGTERM) for c in codes) else 1
        return code if code > 0 else 1
