"""Stopping a running statement when its task is killed or times out (Kestra's kill():
`Statement.cancel()`).

A driver call blocks the task's thread until the database answers, so the kill cannot be
seen there: a watcher thread polls ``ctx.check_killed()`` and, when it raises, asks the
driver to cancel (``Adapter.cancel``). The statement then fails in the task's thread, and
the kill (or the timeout) is what the task reports, not the driver's "canceled" error.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from podium.sdk import RunContext

POLL_SECONDS = 0.2


@contextlib.contextmanager
def cancelled_on_kill(ctx: RunContext, cancel: Callable[[], None]) -> Iterator[None]:
    stopped = threading.Event()
    reason: list[BaseException] = []

    def watch() -> None:
        while not stopped.wait(POLL_SECONDS):
            try:
                ctx.check_killed()
            except BaseException as exc:  # Killed / TimedOut: what the task must report
                reason.append(exc)
                with contextlib.suppress(Exception):
                    cancel()
                return

    watcher = threading.Thread(target=watch, name="jdbc-cancel", daemon=True)
    watcher.start()
    try:
        yield
    except BaseException:
        if reason:
            raise reason[0] from None
        raise
    finally:
        stopped.set()
        watcher.join()
    if reason:  # cancelled just as the statement ended: still a kill
        raise reason[0]
