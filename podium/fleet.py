"""Separate executor, worker and scheduler processes on this machine, for tests, benchmarks
and the conformance runner's distributed mode. Each process is the real `podium executor` /
`podium worker` / `podium scheduler` command; readiness comes from Celery's worker_ready
signal (the scheduler's: its first round), written to a file. Each process serves its
management endpoints (/metrics, /healthz, /readyz) on a free port (PODIUM_MANAGEMENT__PORT=0
unless the caller set one), which it prints to its log; `management_urls()` reads them."""

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
                 worker_concurrency: int = 4, executor_concurrency: int = 2,
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

    def add(self, role: str, concurrency: int, index: int | None = None) -> subprocess.Popen:
        index = len(self.processes) if index is None else index
        ready = self.folder / f"{role}-{index}.ready"
        log = open(self.folder / f"{role}-{index}.log", "wb")
        # The scheduler has no concurrency: one loop per process.
        options = ["--concurrency", str(concurrency)] if role != "scheduler" else []
        process = subprocess.Popen(
            [sys.executable, "-m", "podium.cli", role, *options],
            env={**self.env, "PODIUM_READY_FILE": str(ready)}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((role, process, ready))
        return process

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for role, process, ready in self.processes:
            while not ready.exists():
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
        for index, (name, process, ready) in enumerate(self.processes):
            if role is not None and name != role:
                continue
            log = ready.with_suffix(".log")
            found = re.search(r"management server on (http://\S+)",
                              log.read_text(errors="replace")) if log.exists() else None
            if found is None:
                raise RuntimeError(f"{name} #{index} printed no management address")
            urls.append(found.group(1))
        return urls

    def log_tail(self, lines: int = 40) -> str:
        text = []
        for log in sorted(self.folder.glob("*.log")):
            content = log.read_text(errors="replace").splitlines()[-lines:]
            text.append(f"--- {log.name}\n" + "\n".join(content))
        return "\n".join(text)
