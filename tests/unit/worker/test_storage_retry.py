"""worker/storage_retry.py: a storage call made again through an outage, within a bound."""

from __future__ import annotations

import pytest

from podium.common.errors import StorageError, StorageUnavailableError
from podium.worker.storage_retry import MAX_PAUSE, through_outage


def flaky(failures: int, error: Exception):
    calls = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return "done"
    return call, calls


def test_an_outage_within_the_bound_is_waited_out_with_growing_pauses():
    call, calls = flaky(4, StorageUnavailableError("S3 unreachable"))
    pauses, warnings = [], []
    assert through_outage(call, "the upload", bound=60, sleep=pauses.append,
                          warn=warnings.append) == "done"
    assert len(calls) == 5 and pauses == [0.5, 1.0, 2.0, 4.0]
    assert len(warnings) == 1 and "Internal storage unavailable" in warnings[0]


def test_past_the_bound_the_error_names_the_storage_and_the_bound():
    call, _ = flaky(100, StorageUnavailableError("S3 unreachable, failed to write x"))
    pauses = []
    with pytest.raises(StorageUnavailableError, match=r"gave up on the upload .*"
                       r"storage_outage_seconds=0.4.*S3 unreachable"):
        through_outage(call, "the upload", bound=0.4, sleep=pauses.append)
    assert pauses == []  # the first pause would already pass the bound


def test_other_storage_errors_are_not_retried():
    call, calls = flaky(1, StorageError("access denied"))
    with pytest.raises(StorageError, match="access denied"):
        through_outage(call, "the upload", bound=60, sleep=lambda s: None)
    assert len(calls) == 1


def test_a_sleep_that_raises_ends_the_wait():
    class Stopped(Exception):
        pass

    def sleep(seconds):
        raise Stopped()
    call, calls = flaky(100, StorageUnavailableError("down"))
    with pytest.raises(Stopped):
        through_outage(call, "the upload", bound=60, sleep=sleep)
    assert len(calls) == 1 and MAX_PAUSE == 5.0
