"""The executor's timer loop: due timers become TimerFired messages.

A timer row stays until the handler of its TimerFired deletes it (`ExecutorService._decide`);
taking it only defers it by `refire`, so a TimerFired lost on the way fires again. The loop
sleeps until the next timer is due (executor/timer_alarm.py), at most `poll` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from podium.common.messages import TimerFired
from podium.common.outbox_relay import OutboxRelay
from podium.common.store import Database, next_timer_at, take_due_timers
from podium.common.store.outbox import enqueue_for_publish
from podium.common.store.timers import defer_timers
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.executor.timer_alarm import TimerAlarm

log = logging.getLogger(__name__)

# Due timers taken per round; a full round is followed by another at once.
TIMER_BATCH = 200
# After a round that took no timer, the least pause before the next (seconds).
HELD_TIMER_PAUSE = 0.02


class TimerLoop:
    def __init__(self, db: Database, relay: OutboxRelay, clock: Callable[[], datetime],
                 refire: timedelta) -> None:
        self.db, self.relay, self.clock = db, relay, clock
        # A fired timer whose TimerFired is not handled within this fires again.
        self.refire = refire
        # When the loop looks at the store next; the message handler tells it of the
        # timers it commits (`alarm.expect`).
        self.alarm = TimerAlarm(clock)
        # Called after each round (the management server's liveness).
        self.on_round: Callable[[], None] | None = None

    def fire_due(self) -> int:
        """Turn due timers into TimerFired messages (outbox first, like everything else).
        Tells the alarm when the store's earliest timer is due."""
        with self.db.begin() as conn:
            now = self.clock()
            timers = take_due_timers(conn, now, TIMER_BATCH)
            # Kept until the TimerFired is handled: if that message is lost, it fires again.
            defer_timers(conn, [timer.id for timer in timers], now + self.refire)
            messages = [(EXECUTOR_QUEUE, TimerFired(
                execution_id=t.execution_id, timer_id=t.id, timer_kind=t.kind,
                task_run_id=(t.payload or {}).get("task_run_id")).encode()) for t in timers]
            rows = enqueue_for_publish(conn, messages)
            next_due = next_timer_at(conn)
        self.relay.publish_committed(rows)
        self.alarm.settle(next_due)
        return len(timers)

    def run(self, stop: threading.Event, poll_seconds: float) -> None:
        """Fire due timers, then sleep until the next one is due (`TimerAlarm`)."""
        while not stop.is_set():
            self.alarm.begin_round()
            try:
                fired = self._round()
            except Exception:
                log.exception("executor timers round failed")
                stop.wait(poll_seconds)  # the store is down, likely: do not spin
                continue
            if not fired:
                # A timer due but not taken is held by another executor's round: let it
                # commit rather than spin on it.
                stop.wait(HELD_TIMER_PAUSE)
            self.alarm.wait(poll_seconds)

    def start(self, stop: threading.Event, poll_seconds: float) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop, poll_seconds),
                                  name="executor-timers", daemon=True)
        thread.start()
        return thread

    def _round(self) -> int:
        try:
            return self.fire_due()
        finally:  # a failed round still proves the loop turns (liveness counts rounds)
            if self.on_round is not None:
                self.on_round()
