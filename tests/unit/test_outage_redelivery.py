"""A message that failed because the store was unavailable is retried, not dead-lettered
(common/outage.py, common/transport/base.py `next_delivery`)."""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from podium.common.errors import PodiumError
from podium.common.outage import is_outage
from podium.common.transport.base import OUTAGE_BACKOFF_CAP, Redelivery, next_delivery

REFUSED = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_what_an_unreachable_store_raises_is_an_outage():
    assert is_outage(REFUSED)
    assert is_outage(PoolTimeout("QueuePool limit reached"))
    assert is_outage(psycopg.OperationalError("terminating connection due to administrator "
                                              "command"))


def test_an_outage_raised_from_deeper_down_is_one_too():
    try:
        try:
            raise REFUSED
        except OperationalError as exc:
            raise PodiumError("could not load the flow") from exc
    except PodiumError as wrapped:
        assert is_outage(wrapped)


def test_sqlite_says_which_of_its_operational_errors_are_outages():
    locked = sqlite3.OperationalError("database is locked")
    assert is_outage(OperationalError("UPDATE x", {}, locked))
    missing = sqlite3.OperationalError("no such table: executions")
    assert not is_outage(OperationalError("SELECT x", {}, missing))
    assert not is_outage(missing)


def test_a_bad_message_or_a_bug_is_not_an_outage():
    assert not is_outage(RuntimeError("bug"))
    assert not is_outage(IntegrityError("INSERT", {}, ValueError("duplicate key")))
    assert not is_outage(PodiumError("invalid flow"))


def test_outages_do_not_count_toward_max_failures_and_retry_within_seconds():
    delays = []
    failures, outages = 0, 0
    for _ in range(50):  # far more than max_failures: a long PostgreSQL restart
        then = next_delivery(REFUSED, failures, outages, max_failures=5, backoff=0.5,
                             max_outages=360)
        assert not then.dead
        failures, outages = then.failures, then.outages
        delays.append(then.delay)
    assert (failures, outages) == (0, 50)
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == OUTAGE_BACKOFF_CAP


def test_an_outage_past_its_budget_counts_like_any_failure():
    assert next_delivery(REFUSED, 3, 360, max_failures=5, backoff=0.5, max_outages=360) == \
        Redelivery(dead=False, failures=4, outages=360, delay=4.0)
    assert next_delivery(REFUSED, 4, 360, max_failures=5, backoff=0.5, max_outages=360).dead


def test_other_failures_dead_letter_at_max_failures():
    error = RuntimeError("bug")
    assert next_delivery(error, 0, 7, max_failures=5, backoff=0.5, max_outages=360) == \
        Redelivery(dead=False, failures=1, outages=7, delay=0.5)
    assert next_delivery(error, 4, 0, max_failures=5, backoff=0.5, max_outages=360) == \
        Redelivery(dead=True, failures=5, outages=0, delay=0.0)
