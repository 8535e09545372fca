"""Failed logins, counted per client address and per user name: after `max_failures`
within `window_seconds` that client (or user) is answered 429 with `Retry-After` until the
oldest failure leaves the window, whatever credentials it sends then (else guessing would
go on). An unknown user is counted like a known one, so the answers do not tell them
apart. Memory is bounded: at most `MAX_KEYS` clients and users are tracked (the oldest
forgotten first)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

MAX_KEYS = 10_000


class FailedLogins:
    def __init__(self, max_failures: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Seconds until every key may try again, or None when none is blocked."""
        now = self.clock()
        waits = [self._wait(key, now) for key in keys]
        blocked = [wait for wait in waits if wait is not None]
        return max(blocked) if blocked else None

    def record(self, keys: Iterable[str]) -> None:
        now = self.clock()
        for key in keys:
            times = self._failures.pop(key, None) or deque(maxlen=self.max_failures)
            times.append(now)
            self._failures[key] = times  # most recent last
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def _wait(self, key: str, now: float) -> int | None:
        times = self._failures.get(key)
        if not times:
            return None
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.max_failures:
            return None
        return max(1, math.ceil(times[0] + self.window - now))
