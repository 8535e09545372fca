"""Since when an executor has been watching the store without a gap (pure).

A service is declared dead when its heartbeat row is older than the timeout. That says
something only if the executor judging it could itself see the store all that time: an
executor that was cut off from PostgreSQL (or frozen, or just started) finds every row old
when it comes back, although the services only failed to write for the same reason. So the
liveness loop judges silence only after it has reached the store on every round for a whole
timeout: after its own start or outage, everyone gets one timeout to beat again.

It also notices the database server restarting (its start time changes): a server that
crashed may have forgotten its last commits, and with them messages the executor sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class StoreWatch:
    # Rounds further apart than this are a gap (the loop was stalled or the store gone).
    max_gap: timedelta
    since: datetime | None = None  # first round of the current unbroken run
    last: datetime | None = None  # last round that reached the store
    server_started: datetime | None = None  # the database server's start, as last read

    def seen(self, at: datetime) -> None:
        """A round that started at `at` reached the store."""
        if self.last is None or at - self.last > self.max_gap:
            self.since = at
        self.last = at

    def lost(self) -> None:
        """A round could not reach the store."""
        self.since = self.last = None

    def silent_before(self, now: datetime, timeout: timedelta) -> datetime | None:
        """Heartbeats older than the returned time mean a dead service; None while this
        executor has not watched the store, unbroken up to `now`, for `timeout`."""
        if self.since is None or self.last is None or now - self.last > self.max_gap:
            return None
        if now - self.since < timeout:
            return None
        return now - timeout

    def restarted(self, server_started: datetime | None) -> bool:
        """Whether the database server restarted since the last round that read its start
        time (never on the first read, nor where the store has no server)."""
        before, self.server_started = self.server_started, server_started
        return before is not None and server_started is not None and server_started != before
