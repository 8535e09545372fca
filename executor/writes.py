"""The deciding transaction's writes of task runs, log lines and outbox messages.

They are held and issued together by `flush`, before the commit: on PostgreSQL one
statement for a message's or a whole group's inserts and a single updated run, several
updated runs one statement each by key (common/store/write_together.py), instead of up to
four statements per message. What reads the store, or writes it
otherwise, flushes first (`ExecutorService` calls `flush_for` and `flush`), so every read
sees the transaction's earlier writes and every write keeps its order.

A run created and then changed before a flush is inserted once, as it ended; a run changed
twice is updated once, with its last value.
"""

from __future__ import annotations

from typing import Any

from podium.common.models.execution import TaskRun
from podium.common.store.logs import LogEntry
from podium.common.store.write_together import write_together

# (outbox row id, queue, payload): what `OutboxRelay.publish_committed` publishes.
OutboxRows = list[tuple[int, str, dict[str, Any]]]


class Writes:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._created: dict[str, TaskRun] = {}
        self._updated: dict[str, TaskRun] = {}
        self._logs: list[LogEntry] = []
        self._messages: list[tuple[OutboxRows, list[tuple[str, dict[str, Any]]]]] = []
        self._executions: set[str] = set()

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
        created, updated = list(self._created.values()), list(self._updated.values())
        logs, messages = self._logs, self._messages
        self._created, self._updated, self._logs, self._messages = {}, {}, [], []
        self._executions.clear()
        every = [message for _, batch in messages for message in batch]
        ids = write_together(self.conn, created, updated, logs, every)
        start = 0
        for rows, batch in messages:
            rows.extend((row_id, queue, payload) for row_id, (queue, payload)
                        in zip(ids[start:start + len(batch)], batch))
            start += len(batch)
