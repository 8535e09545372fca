"""The deciding transaction's writes of execution rows, task runs, log lines and outbox
messages.

They are held and issued together by `flush`, before the commit: on PostgreSQL one
statement for a message's or a whole group's inserts, a single updated run and a single
rewritten execution; several updated runs or executions one statement each by key
(common/store/write_together.py), instead of up to five statements per message. What
reads the store, or writes it otherwise, flushes first (`ExecutorService` calls
`flush_for`, `flush_row_of` and `flush`; persisters get a `FlushingConnection`), so every
read sees the transaction's earlier writes and every write keeps its order.

A run created and then changed before a flush is inserted once, as it ended; a run or an
execution changed twice is written once, with its last value.
"""

from __future__ import annotations

from typing import Any

from podium.common.models.execution import Execution, TaskRun
from podium.common.store.logs import LogEntry
from podium.common.store.write_together import ExecutionRow, write_together

# (outbox row id, queue, payload): what `OutboxRelay.publish_committed` publishes.
OutboxRows = list[tuple[int, str, dict[str, Any]]]


class Writes:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._created: dict[str, TaskRun] = {}
        self._updated: dict[str, TaskRun] = {}
        self._logs: list[LogEntry] = []
        self._messages: list[tuple[OutboxRows, list[tuple[str, dict[str, Any]]]]] = []
        self._rows: dict[str, ExecutionRow] = {}  # executions whose row is rewritten
        self._executions: set[str] = set()

    def execution(self, execution: Execution, labels_changed: bool) -> None:
        """Rewrite the execution's row (its version was moved by its lock)."""
        held = self._rows.get(execution.id)
        self._rows[execution.id] = (execution, labels_changed or bool(held and held[1]))
        self._executions.add(execution.id)

    def flush_row_of(self, execution_id: str) -> None:
        """Flush if this execution's row is held: about to read it."""
        if execution_id in self._rows:
            self.flush()

    def task_runs(self, execution_id: str, created: list[TaskRun],
                  updated: list[TaskRun]) -> None:
        for run in created:
            self._created[run.id] = run
        for run in updated:
            if run.id in self._created:
                self._created[run.id] = run
            else:
                self._updated[run.id] = run
        if created or updated:
            self._executions.add(execution_id)

    def logs(self, execution_id: str, entries: list[LogEntry]) -> None:
        self._logs.extend(entries)
        self._executions.add(execution_id)

    def messages(self, execution_id: str, messages: list[tuple[str, dict[str, Any]]]
                 ) -> OutboxRows:
        """The outbox rows of these messages: the list is filled by `flush`."""
        rows: OutboxRows = []
        if messages:
            self._messages.append((rows, messages))
            self._executions.add(execution_id)
        return rows

    def flush_for(self, execution_id: str) -> None:
        """Flush if this execution has writes held: about to read its task runs."""
        if execution_id in self._executions:
            self.flush()

    def flush(self) -> None:
        if not self._executions:
            return  # nothing held
        created, updated = list(self._created.values()), list(self._updated.values())
        logs, messages, rows = self._logs, self._messages, list(self._rows.values())
        self._created, self._updated, self._logs, self._messages = {}, {}, [], []
        self._rows = {}
        self._executions.clear()
        every = [message for _, batch in messages for message in batch]
        ids = write_together(self.conn, created, updated, logs, every, rows)
        start = 0
        for rows, batch in messages:
            rows.extend((row_id, queue, payload) for row_id, (queue, payload)
                        in zip(ids[start:start + len(batch)], batch))
            start += len(batch)


class FlushingConnection:
    """The deciding transaction's connection, for code that may read or write the store
    (the persisters): the held writes go first, at its first statement, and only if it
    makes one, so a persister with nothing to do for this decision costs no round trip."""

    _STATEMENTS = frozenset({"execute", "exec_driver_sql", "scalar", "scalars"})

    def __init__(self, writes: Writes) -> None:
        self._writes = writes

    def __getattr__(self, name: str) -> Any:
        if name in self._STATEMENTS:
            self._writes.flush()
        return getattr(self._writes.conn, name)
