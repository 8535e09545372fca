"""Separate executor, worker and scheduler processes on this machine, for tests, benchmarks
and the conformance runner's distributed mode. Each process is the real `podium executor` /
`podium worker` / `podium scheduler` / `podium webserver` command; readiness comes from
Celery's worker_ready signal (the scheduler's: its first round; the webserver's: its app
started), written to a file. Each process serves its management endpoints (/metrics,
/healthz, /readyz) on a free port (PODIUM_MANAGEMENT__PORT=0 unless the caller set one),
which it prints to its log; `management_urls()` reads them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class Fleet:
    def __init__(self, env: dict[str, str], *, executors: int = 1, workers: int = 1,
                 worker_concurrency: int = 4, executor_concurrency: int = 8,
                 schedulers: int = 0) -> None:
        self.env = {**os.environ, **env}
        # Many processes on one machine: never the services' fixed default ports.
        self.env.setdefault("PODIUM_MANAGEMENT__PORT", "0")
        self.plan = [("executor", executor_concurrency)] * executors + \
            [("worker", worker_concurrency)] * workers + [("scheduler", 0)] * schedulers
        self.processes: list[tuple[str, subprocess.Popen, Path]] = []
        self.folder = Path(tempfile.mkdtemp(prefix="podium-fleet-"))

    def start(self, timeout: float = 60.0) -> "Fleet":
        for index, (role, concurrency) in enumerate(self.plan):
            self.add(role, concurrency, index)
        self.wait_ready(timeout)
        return self

    def add(self, role: str, concurrency: int = 0, index: int | None = None, *,
            env: dict[str, str] | None = None,
            options: list[str] | None = None) -> subprocess.Popen:
        """Start one more `podium <role>` process. `env` adds to the fleet's environment
        (e.g. its own management port); `options` replace the default command options
        (`--concurrency N` for executors and workers; a webserver takes `--port`)."""
        index = len(self.processes) if index is None else index
        ready = self.folder / f"{role}-{index}.ready"
        log = open(self.folder / f"{role}-{index}.log", "wb")
        if options is None:  # the scheduler and the webserver have no concurrency
            options = ["--concurrency", str(concurrency)] if role in ("executor", "worker") \
                else []
        process = subprocess.Popen(
            [sys.executable, "-m", "podium.cli", role, *options],
            env={**self.env, **(env or {}), "PODIUM_READY_FILE": str(ready)}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((role, process, ready))
        return process

    def running(self, role: str) -> list[subprocess.Popen]:
        return [process for kind, process, _ in self.processes
                if kind == role and process.poll() is None]

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for role, process, ready in self.processes:
            while not ready.exists():
                if process.poll() is not None and role == "worker" and process.returncode == 0:
                    break  # a worker stopped on purpose (drained) before this wait
                if process.poll() is not None:
                    raise RuntimeError(f"{role} exited with {process.returncode}: {self.log_tail()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{role} not ready after {timeout}s: {self.log_tail()}")
                time.sleep(0.05)

    def stop(self, timeout: float = 20.0) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, process, _ in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def management_urls(self, role: str | None = None) -> list[str]:
        """The management server URL of each running process (of `role`), in start
        order, read from the line each prints at start (podium/observability.py)."""
        urls = []
        for index, (name, _process, ready) in enumerate(self.processes):
            if role is not None and name != role:
                continue
            log = ready.with_suffix(".log")
            found = re.search(r"management server on (http://\S+)",
                              log.read_text(errors="replace")) if log.exists() else None
            if found is None:
                raise RuntimeError(f"{name} #{index} printed no management address")
            urls.append(found.group(1))
        return urls

    def dump_stacks(self, settle: float = 0.5) -> None:
        """Have every running process print its threads' stacks to its log (SIGUSR1, see
        `podium.lifecycle.configure_service`): where a stuck fleet waits."""
        for _, process, _ in self.processes:
            if process.poll() is None:
                try:
                    process.send_signal(signal.SIGUSR1)
                except ProcessLookupError:
                    pass
        time.sleep(settle)

    def log_tail(self, lines: int = 40) -> str:
        text = []
        for log in sorted(self.folder.glob("*.log")):
            content = log.read_text(errors="replace").splitlines()[-lines:]
            text.append(f"--- {log.name}\n" + "\n".join(content))
        return "\n".join(text)
