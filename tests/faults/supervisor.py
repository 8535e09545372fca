"""The services as real processes (`podium.testing.fleet.Fleet`), under a supervisor that
restarts any that dies, as Kubernetes restarts a pod's container: after `restart_delay` seconds,
whatever killed it (a scenario's kill -9, or the service giving up on its own while Redis
or PostgreSQL was away)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from podium.testing.fleet import Fleet
from tests.waiting import poll_until


@dataclass
class Slot:
    """One service the supervisor keeps running: its current process and its history."""

    role: str
    concurrency: int
    process: subprocess.Popen
    restarts: int = 0
    dead_since: float | None = None
    ready_at: float = 0.0  # epoch when the current process said it was ready
    pids: list[int] = field(default_factory=list)
    deaths: list[tuple[int, float]] = field(default_factory=list)  # (pid, epoch noticed)


class Supervisor:
    def __init__(self, env: dict[str, str], *, executors: int, workers: int,
                 worker_concurrency: int, schedulers: int = 0,
                 restart_delay: float = 1.0) -> None:
        self.fleet = Fleet(env)
        self.plan = [("executor", 2)] * executors + [("worker", worker_concurrency)] * workers \
            + [("scheduler", 0)] * schedulers
        self.restart_delay = restart_delay
        self.slots: list[Slot] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="faults-supervisor", daemon=True)

    def start(self, timeout: float = 90.0) -> "Supervisor":
        for role, concurrency in self.plan:
            process = self.fleet.add(role, concurrency)
            self.slots.append(Slot(role, concurrency, process, pids=[process.pid]))
        for slot in self.slots:
            self.wait_ready(slot, timeout)
        self._thread.start()
        return self

    def _ready_file(self, process: subprocess.Popen):
        return next(ready for _, p, ready in self.fleet.processes if p is process)

    def wait_ready(self, slot: Slot, timeout: float) -> float:
        """Epoch at which the slot's current process was ready (TimeoutError if not)."""
        def ready_at() -> float | None:
            with self._lock:
                process = slot.process
            ready = self._ready_file(process)
            if process.poll() is None and ready.exists():  # not the killed one's file
                slot.ready_at = slot.ready_at or ready.stat().st_mtime
                return ready.stat().st_mtime
            return None

        at = poll_until(ready_at, timeout)
        if at is not None:
            return at
        raise TimeoutError(f"{slot.role} not ready after {timeout}s:\n{self.fleet.log_tail(20)}")

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            for slot in self.slots:
                self._watch(slot)

    def _watch(self, slot: Slot) -> None:
        with self._lock:
            if slot.process.poll() is None:
                return
            now = time.monotonic()
            if slot.dead_since is None:
                slot.deaths.append((slot.process.pid, time.time()))
            slot.dead_since = slot.dead_since or now
            if now - slot.dead_since < self.restart_delay:
                return
            slot.process = self.fleet.add(slot.role, slot.concurrency)
            slot.pids.append(slot.process.pid)
            slot.restarts += 1
            slot.dead_since = None
            slot.ready_at = 0.0

    def role(self, role: str) -> list[Slot]:
        return [slot for slot in self.slots if slot.role == role]

    def kill(self, slot: Slot, sig: int = signal.SIGKILL) -> tuple[int, float]:
        """Signal the slot's process alone (not its children: a kill -9 of the service);
        returns its pid and the epoch of the kill."""
        with self._lock:
            pid = slot.process.pid
            at = time.time()
            os.kill(pid, sig)
            if sig == signal.SIGKILL:
                slot.process.wait(10)
        return pid, at

    def signal_tree(self, slot: Slot, sig: int) -> list[int]:
        """Signal the slot's process and every process below it (SIGSTOP: the whole pod
        frozen, its scripts too); returns the pids signalled."""
        pids = [slot.process.pid, *descendants(slot.process.pid)]
        for pid in pids:
            send_signal(pid, sig)
        return pids

    def restarts(self) -> int:
        return sum(slot.restarts for slot in self.slots)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self.fleet.stop()


def send_signal(pid: int, sig: int) -> None:
    """os.kill, for a process that may have ended meanwhile."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`, from /proc (children first met first)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
