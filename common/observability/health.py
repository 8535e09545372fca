"""Liveness that reflects progress, and readiness.

`Health` holds named *beats*: a loop that must keep going calls `expect(name, max_age)`
once, then `beat(name)` after each round. The process is alive (/healthz) while every
expected beat is fresher than its max age, so a hung loop (a deadlock, a stuck query)
fails liveness within `max_age` even though the process still answers HTTP. Readiness
(/readyz) is a flag the service sets: false while starting and while draining after
SIGTERM.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable


class Health:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._expected: dict[str, float] = {}  # name -> max age (seconds)
        self._last: dict[str, float] = {}  # name -> clock() of the last beat
        self._ready = False

    def expect(self, name: str, max_age_seconds: float) -> None:
        """From now on, `name` must beat at least every `max_age_seconds` (the clock
        starts now: a loop gets one max age to do its first round)."""
        if max_age_seconds <= 0:
            raise ValueError("max_age_seconds must be positive")
        with self._lock:
            self._expected[name] = float(max_age_seconds)
            self._last.setdefault(name, self._clock())

    def forget(self, name: str) -> None:
        """Stop expecting `name` (its loop ended on purpose, e.g. at shutdown)."""
        with self._lock:
            self._expected.pop(name, None)
            self._last.pop(name, None)

    def beat(self, name: str) -> None:
        """`name` made progress now. Beats of names never expected are kept (and shown)
        but do not decide liveness."""
        now = self._clock()
        with self._lock:
            self._last[name] = now

    def set_ready(self, ready: bool) -> None:
        with self._lock:
            self._ready = bool(ready)

    @property
    def ready(self) -> bool:
        with self._lock:
            return self._ready

    def liveness(self) -> tuple[bool, dict[str, Any]]:
        """(alive, {name: {"ok", "age_seconds", "max_age_seconds"}}) over expected beats."""
        now = self._clock()
        with self._lock:
            checks = {}
            for name, max_age in sorted(self._expected.items()):
                age = now - self._last.get(name, now)
                checks[name] = {"ok": age <= max_age, "age_seconds": round(age, 3),
                                "max_age_seconds": max_age}
        return all(check["ok"] for check in checks.values()), checks

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        ready = self.ready
        return ready, {"ready": {"ok": ready}}
