"""The deciding transaction's writes of task runs, log lines and outbox messages.

Alone, a message's writes are issued as it persists them. In a group commit
(executor/group_commit.py) they are held and issued together by `flush`: one INSERT of
task runs, one batched UPDATE, one INSERT of log lines and one of outbox rows for the whole
group, instead of four statements per message. What reads the store, or writes it
otherwise, flushes first (`ExecutorService` calls `flush_for` and `flush`), so every read
sees the group's earlier writes and every write keeps its order.

A run created and then changed within one group is inserted once, as it ended; a run
changed twice is updated once, with its last value.
"""

from __future__ import annotations

from typing import Any

from podium.common.models.execution import TaskRun
from podium.common.store import append_logs, insert_task_runs, update_task_runs
from podium.common.store.logs import LogEntry
from podium.common.store.outbox import enqueue_for_publish

# (outbox row id, queue, payload): what `OutboxRelay.publish_committed` publishes.
OutboxRows = list[tuple[int, str, dict[str, Any]]]


class Writes:
    def __init__(self, conn: Any, *, batched: bool = False) -> None:
        self.conn = conn
        self.batched = batched
        self._created: dict[str, TaskRun] = {}
        self._updated: dict[str, TaskRun] = {}
        self._logs: list[LogEntry] = []
        self._messages: list[tuple[OutboxRows, list[tuple[str, dict[str, Any]]]]] = []
        self._executions: set[str] = set()

    def task_runs(self, execution_id: str, created: list[TaskRun],
                  updated: list[TaskRun]) -> None:
        if not self.batched:
            insert_task_runs(self.conn, created)
            update_task_runs(self.conn, updated)
            return
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
        if not self.batched:
            append_logs(self.conn, entries)
            return
        self._logs.extend(entries)
        self._executions.add(execution_id)

    def messages(self, execution_id: str, messages: list[tuple[str, dict[str, Any]]]
                 ) -> OutboxRows:
        """The outbox rows of these messages: at once alone; in a group, the list is
        filled by `flush`, before the commit."""
        if not self.batched:
            return enqueue_for_publish(self.conn, messages)
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
        if not self.batched:
            return
        created, updated = list(self._created.values()), list(self._updated.values())
        logs, messages = self._logs, self._messages
        self._created, self._updated, self._logs, self._messages = {}, {}, [], []
        self._executions.clear()
        insert_task_runs(self.conn, created)
        update_task_runs(self.conn, updated)
        append_logs(self.conn, logs)
        every = [message for _, batch in messages for message in batch]
        written = enqueue_for_publish(self.conn, every)
        start = 0
        for rows, batch in messages:
            rows.extend(written[start:start + len(batch)])
            start += len(batch)
