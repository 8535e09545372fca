"""Waiting in tests for something another thread or process does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest


def poll_until(predicate: Callable[[], Any], timeout: float, poll: float = 0.05) -> Any:
    """Call `predicate` every `poll` seconds until it returns something truthy or `timeout`
    seconds have passed; returns its last value (falsy: timed out). For callers that report
    a timeout their own way (the fault harness, server start-ups); tests use `wait_for`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(poll)


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition",
             poll: float = 0.05) -> Any:
    """Poll `predicate` until it returns something truthy (returned) or fail the test."""
    value = poll_until(predicate, timeout, poll)
    if not value:
        pytest.fail(f"timed out after {timeout}s waiting for {what}")
    return value


def wait_rounds(scheduler: Any, rounds: int = 2, timeout: float = 20.0) -> None:
    """Wait until `scheduler` (a running SchedulerService) has ended `rounds` more rounds.
    The second round began after this call: whatever the scheduler would do about the
    state seen now, it has done. (The positive signal a test needs before asserting that
    the scheduler did *not* fire something.)"""
    ended = threading.Semaphore(0)
    before = scheduler.on_round

    def count() -> None:
        if before is not None:
            before()
        ended.release()

    scheduler.on_round = count
    try:
        deadline = time.monotonic() + timeout
        for _ in range(rounds):
            if not ended.acquire(timeout=max(0.0, deadline - time.monotonic())):
                pytest.fail(f"timed out after {timeout}s waiting for {rounds} scheduler rounds")
    finally:
        scheduler.on_round = before
