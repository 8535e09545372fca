"""When the executor's timer loop looks at the store next (executor/timer_alarm.py)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from podium.executor.timer_alarm import TimerAlarm, seconds_until_round

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def test_sleeps_until_the_due_time_capped_by_the_poll_and_never_negative():
    assert seconds_until_round(NOW, None, 1.0) == 1.0
    assert seconds_until_round(NOW, NOW + timedelta(milliseconds=300), 1.0) == 0.3
    assert seconds_until_round(NOW, NOW + timedelta(seconds=30), 1.0) == 1.0
    assert seconds_until_round(NOW, NOW - timedelta(seconds=5), 1.0) == 0.0


def test_the_earliest_expected_time_wins_and_a_round_forgets_it():
    alarm = TimerAlarm(lambda: NOW)
    alarm.expect(NOW + timedelta(seconds=5))
    alarm.expect(NOW + timedelta(seconds=2))
    alarm.expect(NOW + timedelta(seconds=9))
    assert alarm.due == NOW + timedelta(seconds=2)
    alarm.begin_round()
    assert alarm.due is None
    alarm.settle(None)
    assert alarm.due is None
    alarm.settle(NOW + timedelta(seconds=7))
    assert alarm.due == NOW + timedelta(seconds=7)


def test_a_timer_committed_during_a_round_is_kept_when_the_store_read_missed_it():
    alarm = TimerAlarm(lambda: NOW)
    alarm.begin_round()
    alarm.expect(NOW + timedelta(seconds=1))  # committed after the round's read
    alarm.settle(NOW + timedelta(seconds=120))  # what that read saw
    assert alarm.due == NOW + timedelta(seconds=1)


def test_a_timer_expected_while_the_loop_sleeps_wakes_it_at_its_due_time():
    alarm = TimerAlarm(lambda: datetime.now(timezone.utc))
    woke = threading.Event()

    def loop() -> None:
        alarm.wait(30.0)
        woke.set()

    thread = threading.Thread(target=loop, daemon=True)
    began = time.monotonic()
    thread.start()
    alarm.expect(datetime.now(timezone.utc) + timedelta(milliseconds=200))
    assert woke.wait(10)
    elapsed = time.monotonic() - began
    assert 0.15 <= elapsed < 5.0  # the due time, far from the 30 s poll


def test_without_a_due_time_the_poll_bounds_the_sleep():
    alarm = TimerAlarm(lambda: datetime.now(timezone.utc))
    began = time.monotonic()
    alarm.wait(0.1)
    assert 0.09 <= time.monotonic() - began < 5.0


def test_wake_ends_a_wait_at_once_and_only_that_one():
    # The service stops: its timer loop must not sleep out its poll first.
    alarm = TimerAlarm(lambda: NOW)
    ended = threading.Event()
    waiter = threading.Thread(target=lambda: (alarm.wait(60), ended.set()))
    waiter.start()
    alarm.wake()
    assert ended.wait(10), "wake did not end the wait"
    waiter.join()
    started = time.monotonic()
    alarm.wait(0.2)  # the wake is spent: the next wait sleeps its poll
    assert time.monotonic() - started >= 0.2
