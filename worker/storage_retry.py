"""An attempt's storage calls through a storage outage.

A task whose output file cannot be uploaded because the storage is unreachable has not
failed: the infrastructure has. The backend retries each call a few times within about a
second (botocore's own backoff), far shorter than an endpoint restart or a network cut. So
the worker retries a call that failed with StorageUnavailableError, with backoff (0.5 s
doubling up to 5 s), for up to `worker.storage_outage_seconds`: an outage shorter than that
only delays the attempt. A longer one fails the attempt with an error naming the storage
and the bound, and the task's `retry` applies. A kill or the task's timeout still stops the
wait at once (the pause is the attempt's own `sleep`). Only calls that can simply be made
again go through here: a file read from its path, bytes, a download to a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from podium.common.errors import StorageUnavailableError

T = TypeVar("T")

DEFAULT_OUTAGE_SECONDS = 60.0
FIRST_PAUSE = 0.5
MAX_PAUSE = 5.0


def through_outage(call: Callable[[], T], what: str, *, bound: float,
                   sleep: Callable[[float], None] = time.sleep,
                   warn: Callable[[str], None] | None = None) -> T:
    """`call()`, made again while it raises StorageUnavailableError, for up to `bound`
    seconds; then StorageUnavailableError naming `what`, the bound and the last error.
    `sleep` may raise (the attempt was killed or timed out): that ends the wait."""
    started = time.monotonic()
    pause, warned = FIRST_PAUSE, False
    while True:
        try:
            return call()
        except StorageUnavailableError as exc:
            waited = time.monotonic() - started
            if waited + pause > bound:
                raise StorageUnavailableError(
                    f"Internal storage unavailable: gave up on {what} after {waited:.0f}s "
                    f"(worker.storage_outage_seconds={bound:g}): {exc.message}") from None
            if warn is not None and not warned:
                warn(f"Internal storage unavailable, {what} retried for up to {bound:g}s: "
                     f"{exc.message}")
                warned = True
            sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)
