"""When the executor's timer loop looks at the store next.

The executor that commits a timer knows its due time, and tells the alarm (`expect`); after
each round the loop tells it the store's earliest due time (`settle`, which covers timers
other executors created before the round). The loop then sleeps until the earliest of
those, at most `poll` seconds: the poll only bounds how late a timer another executor
created since is seen (and that executor fires it on time itself). So a retry delay is the
policy's delay, not the policy's plus a polling interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime


def seconds_until_round(now: datetime, due: datetime | None, poll: float) -> float:
    """How long the loop may sleep: until `due` (none known: `poll`), never more than
    `poll`, never negative."""
    if due is None:
        return poll
    return max(0.0, min(poll, (due - now).total_seconds()))


class TimerAlarm:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._cond = threading.Condition()
        self._due: datetime | None = None
        self._woken = False

    @property
    def due(self) -> datetime | None:
        with self._cond:
            return self._due

    def expect(self, due: datetime) -> None:
        """A timer due at `due` was committed: wake the loop if it sleeps past it."""
        with self._cond:
            if self._due is None or due < self._due:
                self._due = due
                self._cond.notify_all()

    def begin_round(self) -> None:
        """A round starts: what it reads from the store replaces what was known. A timer
        committed from now on is `expect`ed again, so none is forgotten."""
        with self._cond:
            self._due = None

    def settle(self, store_due: datetime | None) -> None:
        """The round ended and the store's earliest timer is due at `store_due`."""
        if store_due is not None:
            self.expect(store_due)

    def wake(self) -> None:
        """End the current (or next) `wait` now: the service stops."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def wait(self, poll: float) -> None:
        """Sleep until the earliest known due time, at most `poll` seconds; a timer
        `expect`ed meanwhile with an earlier due time shortens the sleep, `wake` ends it."""
        deadline = time.monotonic() + poll
        with self._cond:
            while True:
                if self._woken:
                    self._woken = False
                    return
                remaining = min(deadline - time.monotonic(),
                                seconds_until_round(self.clock(), self._due, poll))
                if remaining <= 0:
                    return
                self._cond.wait(remaining)
