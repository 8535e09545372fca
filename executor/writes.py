"""The deciding transaction's writes of task runs, log lines and outbox messages.

Alone, a message's writes are issued as it persists them. In a group commit
(executor/group_commit.py) they are held and issued together by `flush`: one batched
UPDATE of executions, one INSERT of task runs, one batched UPDATE of them, one INSERT of
log lines and one of outbox rows for the whole group, instead of five statements per
message. What reads the store, or writes it
otherwise, flushes first (`ExecutorService` calls `flush_for` and `flush`), so every read
sees the group's earlier writes and every write keeps its order.

A run created and then changed within one group is inserted once, as it ended; a run
changed twice is updated once, with its last value.
"""

from __future__ import annotations

from typing import Any

from podium.common.models.execution import Execution, TaskRun
from podium.common.store import (
    append_logs,
    insert_task_runs,
    update_execution,
    update_executions,
    update_task_runs,
)
from podium.common.store.logs import LogEntry
from podium.common.store.outbox import enqueue_for_publish

# (outbox row id, queue, payload): what `OutboxRelay.publish_committed` publishes.
OutboxRows = list[tuple[int, str, dict[str, Any]]]


class Writes:
    def __init__(self, conn: Any, *, batched: bool = False) -> None:
        self.conn = conn
        self.batched = batched
        self._execution_rows: dict[str, Execution] = {}
        self._created: dict[str, TaskRun] = {}
        self._updated: dict[str, TaskRun] = {}
        self._logs: list[LogEntry] = []
        self._messages: list[tuple[OutboxRows, list[tuple[str, dict[str, Any]]]]] = []
        self._executions: set[str] = set()

    def execution(self, execution: Execution, labels_changed: bool) -> None:
        """Rewrite the execution's row (its version was bumped when it was locked). In a
        group, held (the last write of an execution wins) unless its labels changed."""
        if not self.batched or labels_changed:
            self.flush_for(execution.id)
            update_execution(self.conn, execution, labels_changed=labels_changed,
                             bump_version=False)
            return
        self._execution_rows[execution.id] = execution
        self._executions.add(execution.id)

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
        executions = list(self._execution_rows.values())
        self._created, self._updated, self._logs, self._messages = {}, {}, [], []
        self._execution_rows = {}
        self._executions.clear()
        update_executions(self.conn, executions)
        insert_task_runs(self.conn, created)
        update_task_runs(self.conn, updated)
        append_logs(self.conn, logs)
        every = [message for _, batch in messages for message in batch]
        written = enqueue_for_publish(self.conn, every)
        start = 0
        for rows, batch in messages:
            rows.extend(written[start:start + len(batch)])
            start += len(batch)
