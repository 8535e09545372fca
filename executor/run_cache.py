"""The task runs of recently handled executions, kept between messages.

Reloading every task run on each message costs time that grows with the execution. The
store bumps an execution's `version` on every write, so a cached entry is used only when
the locked row still has the version this executor left it at: any write by another
replica invalidates it. Bounded (LRU), so memory does not grow with history.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from podium.common.models.execution import TaskRun


class TaskRunCache:
    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[int, list[TaskRun]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, execution_id: str, version: int) -> list[TaskRun] | None:
        with self._lock:
            entry = self._entries.get(execution_id)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(execution_id)
            return entry[1]

    def put(self, execution_id: str, version: int, runs: list[TaskRun]) -> None:
        with self._lock:
            self._entries[execution_id] = (version, runs)
            self._entries.move_to_end(execution_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, execution_id: str) -> None:
        with self._lock:
            self._entries.pop(execution_id, None)
