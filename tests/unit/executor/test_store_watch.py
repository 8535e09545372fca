"""An executor judges silent services only over a span it watched the store unbroken
(executor/store_watch.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.executor.store_watch import StoreWatch

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
TIMEOUT = timedelta(seconds=10)


def watch_rounds(watch: StoreWatch, start: float, stop: float, every: float = 1.0) -> None:
    at = start
    while at <= stop:
        watch.seen(T0 + timedelta(seconds=at))
        at += every


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_starting_executor_judges_no_one_for_a_whole_timeout():
    watch = StoreWatch(max_gap=timedelta(seconds=5))
    assert watch.silent_before(s(0), TIMEOUT) is None
    watch_rounds(watch, 0, 9)
    assert watch.silent_before(s(9.5), TIMEOUT) is None
    watch_rounds(watch, 10, 10)
    assert watch.silent_before(s(10.5), TIMEOUT) == s(0.5)


def back_at(watch: StoreWatch, at: float) -> None:
    """Rounds reach the store again from `at`: no one is judged before `at` + timeout."""
    watch_rounds(watch, at, at + 9)
    assert watch.silent_before(s(at + 9.5), TIMEOUT) is None
    watch_rounds(watch, at + 10, at + 10)
    assert watch.silent_before(s(at + 10.5), TIMEOUT) == s(at + 0.5)


def test_after_its_own_store_outage_everyone_gets_a_timeout_to_beat_again():
    watch = StoreWatch(max_gap=timedelta(seconds=5))
    watch_rounds(watch, 0, 30)
    assert watch.silent_before(s(30.5), TIMEOUT) == s(20.5)
    watch.lost()  # PostgreSQL down: rounds fail
    assert watch.silent_before(s(31), TIMEOUT) is None
    back_at(watch, 60)  # back at 60: workers beat again from about then


def test_a_stalled_loop_is_a_gap_too():
    watch = StoreWatch(max_gap=timedelta(seconds=5))
    watch_rounds(watch, 0, 20)
    # The process was frozen (SIGSTOP, a long GC, a starved thread) for 40 s: no round.
    assert watch.silent_before(s(60), TIMEOUT) is None
    back_at(watch, 60)


def test_rounds_closer_than_the_gap_are_one_unbroken_watch():
    watch = StoreWatch(max_gap=timedelta(seconds=5))
    watch_rounds(watch, 0, 24, every=4.0)
    assert watch.silent_before(s(24), TIMEOUT) == s(14)


def test_a_changed_database_start_time_is_a_restart_and_the_first_read_is_not():
    watch = StoreWatch(max_gap=timedelta(seconds=5))
    assert watch.restarted(s(-100)) is False  # first read: nothing to compare with
    assert watch.restarted(s(-100)) is False
    watch.lost()  # an outage in between does not forget the start time seen before it
    assert watch.restarted(s(30)) is True
    assert watch.restarted(s(30)) is False


def test_a_store_without_a_server_never_restarts():
    watch = StoreWatch(max_gap=timedelta(seconds=5))
    assert [watch.restarted(None) for _ in range(3)] == [False, False, False]
