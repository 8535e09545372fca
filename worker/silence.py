"""Noticing that this worker process was silent: frozen (SIGSTOP, a paused container or
VM), starved, or declared dead by the executors (its heartbeat came too late).

Meanwhile the executors may have resubmitted its attempts elsewhere, or killed their
executions, and the RunTask messages it had received before are not news any more. While
it *suspects* so, the worker checks each message against the store before running it
(worker/admission.py), and the attempts it was running against the store too.

Two signs, either enough: a ticking thread that finds a gap between its ticks far longer
than it slept (monotonic time runs on while a process is stopped), and a heartbeat that
found this worker's row declared DEAD (`declared_dead`). A gap seen at a handler's start
counts too, since after a freeze the consumer thread may run before the ticking one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

TICK_SECONDS = 0.25
# A tick this late means the process did not run: a loaded machine delays a thread by
# milliseconds, a freeze by seconds. A false alarm only costs a few store reads.
GAP_SECONDS = 2.0
# How long messages are checked after a silence: those received before it are handled
# within moments of the process running again.
SUSPECT_SECONDS = 15.0


class SilenceWatch:
    def __init__(self, *, gap: float = GAP_SECONDS, suspect_for: float = SUSPECT_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.gap = gap
        self.suspect_for = suspect_for
        self.clock = clock
        self._last_tick = clock()
        self._suspect_until = float("-inf")
        self._pid = os.getpid()  # the process whose ticks these are
        # Called (in the ticking thread) once a silence is noticed.
        self.on_silence: Callable[[], None] | None = None

    def tick(self) -> bool:
        """Note that the process runs; True when the previous tick was too long ago."""
        now = self.clock()
        gap, self._last_tick = now - self._last_tick, now
        silent = gap > self.gap
        if silent:
            log.warning("this worker did not run for %.1f s (frozen or starved): checking "
                        "its messages and attempts against the store", gap)
            self._suspect(now)
        return silent

    def declared_dead(self) -> None:
        """The executors declared this worker dead: its attempts may have moved on."""
        log.warning("this worker was declared dead: checking its messages and attempts "
                    "against the store")
        self._suspect(self.clock())

    def suspect(self) -> bool:
        if os.getpid() != self._pid:
            # A prefork pool child: the ticking thread did not survive the fork, its ticks
            # say nothing here (the broker and redelivery checks still apply).
            return False
        now = self.clock()
        return now - self._last_tick > self.gap or now < self._suspect_until

    def _suspect(self, now: float) -> None:
        self._suspect_until = now + self.suspect_for
        if self.on_silence is not None:
            try:
                self.on_silence()
            except Exception:  # noqa: BLE001 - the store may be away; messages still checked
                log.exception("could not check running attempts after a silence")

    def run(self, stop: threading.Event, tick: float = TICK_SECONDS) -> threading.Thread:
        self._pid = os.getpid()

        def loop() -> None:
            while not stop.wait(tick):
                self.tick()

        thread = threading.Thread(target=loop, name="worker-silence", daemon=True)
        thread.start()
        return thread
