"""The task runs of recently handled executions, and the executions themselves, kept
between messages.

Reloading every task run on each message costs time that grows with the execution, and
reading the execution's row means parsing its JSON. The store bumps an execution's
`version` on every write, so a cached entry is used only when the locked row still has the
version this executor left it at: any write by another replica invalidates it. Bounded
(LRU), so memory does not grow with history.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from podium.common.models.execution import Execution, TaskRun


class TaskRunCache:
    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[int, list[TaskRun], Execution | None]] = \
            OrderedDict()
        self._lock = threading.Lock()

    def get(self, execution_id: str, version: int) -> list[TaskRun] | None:
        with self._lock:
            entry = self._entries.get(execution_id)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(execution_id)
            return entry[1]

    def execution(self, execution_id: str) -> Execution | None:
        """The execution as this executor left it (its `version` is the entry's), if kept."""
        with self._lock:
            entry = self._entries.get(execution_id)
            return entry[2] if entry is not None else None

    def put(self, execution_id: str, version: int, runs: list[TaskRun],
            execution: Execution | None = None) -> None:
        """`execution`, if given, must carry `version`."""
        if execution is not None and execution.version != version:
            execution = None  # never serve an execution under another version
        with self._lock:
            self._entries[execution_id] = (version, runs, execution)
            self._entries.move_to_end(execution_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, execution_id: str) -> None:
        with self._lock:
            self._entries.pop(execution_id, None)
