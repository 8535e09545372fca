"""The worker service: runs one task attempt per RunTask message and reports the result.

A worker never writes execution state. It renders and runs the task, streams the task's
logs to the store while it runs, and publishes a TaskResult to the executor queue. The
message is acknowledged only after that (at-least-once): if the worker dies mid-task, the
attempt runs again elsewhere and the executor records whichever result comes first.
Kill requests arrive on a broadcast channel and stop the matching running attempts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from pydantic import TypeAdapter, ValidationError

import common.plugins  # noqa: F401  (registers every task type)
from common.errors import PodiumError
from common.messages import KillTask, RunTask, TaskResult, decode_worker_message
from common.models.state import State
from common.observability import metrics
from common.plugins.base import AnyTask
from common.plugins.registry import registry
from common.secrets import SecretCipher, SecretProvider
from common.storage import Storage
from common.storage.offload import OUTPUTS_FILE, offload, resolve
from common.storage.offload import load as load_outputs
from common.store import Database, append_logs
from common.store.types import utcnow
from common.transport.base import EXECUTOR_QUEUE, Transport
from worker.log_writer import LogWriter
from worker.run_context import RunContext
from worker.runnables import Outcome, run_attempt
from worker.secrets import AttemptSecrets

log = logging.getLogger(__name__)
TASKS = TypeAdapter(AnyTask)
# A kill may reach a worker before the attempt it targets starts there; remember it briefly.
KILL_MEMORY = 10_000
DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024
# Up to this many log lines (and characters) of an attempt travel with its result.
INLINE_LOG_LINES = 200
INLINE_LOG_CHARS = 64 * 1024


class WorkerService:
    def __init__(self, db: Database, transport: Transport, *, worker_id: str | None = None,
                 storage: Storage | None = None, secrets: SecretProvider | None = None,
                 max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES, http: Any = None,
                 cipher: SecretCipher | None = None) -> None:
        self.transport = transport
        self.db = db
        # secret() / kv() in renders, SECRET inputs revealed and masked (worker/secrets.py).
        self.attempt_secrets = AttemptSecrets(db, secrets=secrets, cipher=cipher)
        # Files of tasks (inputFiles, outputFiles, read()); without it they fail clearly.
        self.storage = storage
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        # Outputs whose JSON is larger go to storage, referenced (common/storage/offload.py).
        self.max_output_bytes = max_output_bytes
        self.http = http  # HttpSettings for the http tasks (None: RunContext's default)
        self.logs = LogWriter(db)
        self._running: dict[tuple[str, str], threading.Event] = {}
        self._killed: dict[tuple[str, str | None], None] = {}
        self._lock = threading.Lock()

    def handle(self, payload: dict[str, Any]) -> None:
        message = decode_worker_message(payload)
        if isinstance(message, KillTask):
            self.on_kill(payload)
            return
        assert isinstance(message, RunTask)
        killed = self._register(message)
        started = utcnow()
        m = metrics.get()
        slots, began = m.worker_slots, time.perf_counter()
        slots.labels("busy").inc()
        slots.labels("free").dec()
        outcome = None
        try:
            outcome = self._run(message, killed)
        finally:
            with self._lock:
                self._running.pop((message.execution_id, message.task_run_id), None)
            slots.labels("busy").dec()
            slots.labels("free").inc()
            task_type = registry.canonical("task", message.task.get("type")) or "unknown"
            state = outcome.state.value if outcome is not None else "ERROR"
            m.worker_attempts.labels(task_type, state).inc()
            m.worker_attempt_duration.labels(task_type, state).observe(
                time.perf_counter() - began)
        result = TaskResult(execution_id=message.execution_id, task_run_id=message.task_run_id,
                            attempt=message.attempt, state=outcome.state, outputs=outcome.outputs,
                            error=outcome.error, labels=outcome.labels, started=started,
                            ended=utcnow(), worker_id=self.worker_id,
                            children=outcome.children, logs=self._tail_logs(message))
        self.transport.publish(EXECUTOR_QUEUE, result.encode())

    def _tail_logs(self, message: RunTask) -> list[dict[str, Any]] | None:
        """The attempt's lines not stored yet, to send with its result; a long tail is
        stored here instead, so a result message stays small."""
        tail = self.logs.take(message.execution_id)
        if not tail:
            return None
        if len(tail) > INLINE_LOG_LINES or \
                sum(len(entry.message) for entry in tail) > INLINE_LOG_CHARS:
            with self.db.begin() as conn:
                append_logs(conn, tail)
            return None
        return [{"task_run_id": e.task_run_id, "task_id": e.task_id, "attempt": e.attempt,
                 "level": e.level, "message": e.message, "timestamp": e.timestamp.isoformat()}
                for e in tail]

    def on_kill(self, payload: dict[str, Any]) -> None:
        message = decode_worker_message(payload)
        if not isinstance(message, KillTask):
            return
        with self._lock:
            self._killed[(message.execution_id, message.task_run_id)] = None
            while len(self._killed) > KILL_MEMORY:
                self._killed.pop(next(iter(self._killed)))
            for (execution_id, run_id), event in self._running.items():
                if execution_id == message.execution_id and message.task_run_id in (None, run_id):
                    event.set()

    def _register(self, message: RunTask) -> threading.Event:
        killed = threading.Event()
        with self._lock:
            if (message.execution_id, message.task_run_id) in self._killed or \
                    (message.execution_id, None) in self._killed:
                killed.set()
            self._running[(message.execution_id, message.task_run_id)] = killed
        return killed

    def _run(self, message: RunTask, killed: threading.Event) -> Outcome:
        try:
            task = TASKS.validate_python(message.task)
        except ValidationError as exc:
            return Outcome(state=State.FAILED, error=f"invalid task definition: {exc.errors()[0]['msg']}")
        task_id = task.id

        def on_log(level: str, text: str) -> None:
            self.logs.add(message, task_id, level, text)

        services = self.attempt_secrets.render_services(message.namespace)
        try:
            context = self.attempt_secrets.reveal(message, services.masker)
        except PodiumError as exc:
            on_log("ERROR", exc.message)
            return Outcome(state=State.FAILED, error=exc.message)
        if self.storage is not None and "outputs" in context:  # large outputs come by URI
            context["outputs"] = resolve(context["outputs"],
                                         lambda uri: load_outputs(self.storage, uri))
        ctx = RunContext(context, services, on_log, killed=killed,
                         storage=self.storage)

        def log_sink_for(run_id: str, child_task_id: str):  # WorkingDirectory children
            child = message.model_copy(update={"task_run_id": run_id, "attempt": 1})
            return lambda level, text: self.logs.add(child, child_task_id, level, text)

        ctx.log_sink_for = log_sink_for
        ctx.store, ctx.publish = self.db, self.transport.publish  # for the admin tasks
        if self.http is not None:
            ctx.http = self.http
        # The executor owns retries and applies allowFailure once it knows none is left.
        outcome = run_attempt(task, ctx, retry_left=True)
        if self.storage is not None and outcome.outputs:
            outcome.outputs = offload(
                outcome.outputs, self.max_output_bytes,
                lambda data: self.storage.put(ctx.output_uri(OUTPUTS_FILE), data))
        return outcome
