"""Group commit: messages that arrive together are decided in one transaction.

Each consumer thread hands its message to `GroupCommit.run` and waits. The first thread to
find no group in progress becomes the leader: it takes every message waiting (up to
`max_group`), decides them with `decide_group` and returns each waiting thread its own
outcome. Messages that arrive meanwhile wait for the next leader. Nothing waits on a timer:
a lone message goes at once, and a group only forms when messages queue up behind a
transaction in progress, which is when paying one BEGIN, one COMMIT and one publish round
for all of them helps.

The caller's thread keeps its message until its outcome is known, so the transport
acknowledges it only after the commit that recorded it and the publish that followed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Entry:
    """One message of a group, and what deciding it gave: `result`, or `error` raised."""

    message: Any
    result: Any = None
    error: BaseException | None = None
    done: bool = False


class GroupCommit:
    def __init__(self, decide_group: Callable[[list[Entry]], None], max_group: int = 32) -> None:
        if max_group < 1:
            raise ValueError("max_group must be >= 1")
        self._decide_group = decide_group
        self.max_group = max_group
        self._waiting: list[Entry] = []
        self._leading = False
        self._changed = threading.Condition()

    def run(self, message: Any) -> Any:
        """Decide `message` with the others waiting now; its result, or its own error."""
        entry = Entry(message)
        with self._changed:
            self._waiting.append(entry)
            while not entry.done:
                if self._leading:
                    self._changed.wait()
                    continue
                self._leading = True
                group = self._waiting[:self.max_group]
                del self._waiting[:self.max_group]
                self._changed.release()
                try:
                    self._decide(group)
                finally:
                    self._changed.acquire()
                    self._leading = False
                    self._changed.notify_all()
        if entry.error is not None:
            raise entry.error
        return entry.result

    def _decide(self, group: list[Entry]) -> None:
        try:
            self._decide_group(group)
        except BaseException as exc:  # noqa: BLE001 - every waiter must learn the outcome
            for entry in group:
                if not entry.done:
                    entry.error = exc
        for entry in group:
            entry.done = True
