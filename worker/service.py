"""The worker service: runs one task attempt per RunTask message and reports the result.

A worker never writes execution state. It renders and runs the task, streams the task's
logs to the store while it runs, and publishes a TaskResult to the executor queue. The
message is acknowledged only after that (at-least-once): if the worker dies mid-task, the
attempt runs again elsewhere and the executor records whichever result comes first.
Kill requests arrive on a broadcast channel and stop the matching running attempts.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

import podium.common.plugins  # noqa: F401  (the plugin package; its registry loads on first use)
from podium.common.errors import PodiumError, StorageError
from podium.common.messages import KillTask, LogLine, RunTask, TaskResult, decode_worker_message
from podium.common.models.state import State
from podium.common.observability import metrics
from podium.common.outage import is_outage
from podium.common.plugins.base import AnyTask
from podium.common.plugins.registry import registry
from podium.common.secrets import SecretCipher, SecretProvider
from podium.common.storage import Storage
from podium.common.storage.local_paths import LocalFiles
from podium.common.storage.offload import OUTPUTS_FILE, offload, resolve
from podium.common.storage.offload import load as load_outputs
from podium.common.store import Database, append_logs, get_task_run
from podium.common.store.types import utcnow
from podium.common.transport.base import (
    EXECUTOR_QUEUE,
    LAPSED,
    TakeClaim,
    Transport,
    is_redelivery,
    redelivery,
    task_queue,
)
from podium.worker.admission import Admission
from podium.worker.log_writer import LogWriter
from podium.worker.run_context import RunContext
from podium.worker.runnables import Outcome, run_attempt
from podium.worker.sandbox import Sandbox
from podium.worker.script_envs import ScriptEnvironments
from podium.worker.script_limits import Limits
from podium.worker.secrets import AttemptSecrets
from podium.worker.silence import SilenceWatch
from podium.worker.storage_retry import DEFAULT_OUTAGE_SECONDS
from podium.worker.task_cache import look_up

log = logging.getLogger(__name__)
# A kill may reach a worker before the attempt it targets starts there; remember it briefly.
KILL_MEMORY = 10_000
DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024
DEFAULT_CLAIM_TTL = 3600.0
# Up to this many log lines (and characters) of an attempt travel with its result.
INLINE_LOG_LINES = 200
INLINE_LOG_CHARS = 64 * 1024


def task_adapter() -> TypeAdapter:
    """The validator of every task type, built on first use (about a quarter of a second
    of CPU): the processes that import this module but run no task (executor, scheduler,
    every CLI command) never build it. Built again when the registry changed (a test's own
    plugin type, registered after the first task ran)."""
    return _task_adapter(registry.generation)


@functools.lru_cache(maxsize=1)
def _task_adapter(generation: int) -> TypeAdapter:
    return TypeAdapter(AnyTask)


def queue_of(message: RunTask) -> str:
    """The queue the executor sent this attempt to (its task's workerGroup)."""
    return task_queue(message.task)


class WorkerService:
    def __init__(self, db: Database, transport: Transport, *, worker_id: str | None = None,
                 storage: Storage | None = None, secrets: SecretProvider | None = None,
                 max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES, http: Any = None,
                 cipher: SecretCipher | None = None,
                 script_envs: ScriptEnvironments | None = None,
                 sandbox: Sandbox | None = None, script_limits: Limits | None = None,
                 local_files: LocalFiles | None = None,
                 claim_ttl_seconds: float = DEFAULT_CLAIM_TTL,
                 storage_outage_seconds: float = DEFAULT_OUTAGE_SECONDS) -> None:
        self.transport = transport
        self.db = db
        task_adapter()  # built as the worker starts, not on its first task's clock
        # Copies of an attempt are dropped before they run (worker/admission.py).
        self.admission = Admission(db, transport, claim_ttl_seconds)
        # Set by `watch_silence`: tells when this process may have been frozen.
        self.silence: SilenceWatch | None = None
        # secret() / kv() in renders, SECRET inputs revealed and masked (worker/secrets.py).
        self.attempt_secrets = AttemptSecrets(db, secrets=secrets, cipher=cipher)
        # Files of tasks (inputFiles, outputFiles, read()); without it they fail clearly.
        self.storage = storage
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        # Outputs whose JSON is larger go to storage, referenced (common/storage/offload.py).
        self.max_output_bytes = max_output_bytes
        self.http = http  # HttpSettings for the http tasks (None: RunContext's default)
        # Where script tasks' Python environments are cached (None: RunContext's default).
        self.script_envs = script_envs
        # How script processes are isolated, and their default limits (None: RunContext's).
        self.sandbox, self.script_limits = sandbox, script_limits
        # Host directories file:// URIs may reach (None: RunContext's default, none).
        self.local_files = local_files
        # How long an attempt's storage calls wait out an outage (worker/storage_retry.py).
        self.storage_outage_seconds = storage_outage_seconds
        self.logs = LogWriter(db)
        self._running: dict[tuple[str, str], threading.Event] = {}
        self._attempts: dict[tuple[str, str], RunTask] = {}  # what the heartbeat reports
        self._requeue: set[tuple[str, str]] = set()  # interrupted by a shutdown
        # Kills remembered: (execution, task run) -> the last attempt stopped (None: any).
        self._killed: dict[tuple[str, str | None], int | None] = {}
        self._lock = threading.Lock()
        # Called when the running attempts change (the heartbeat writes them soon after).
        self.on_change: Callable[[], None] | None = None
        # Writes the heartbeat row at once (`_list_now`).
        self.list_now: Callable[[], None] | None = None

    def handle(self, payload: dict[str, Any]) -> None:
        message = decode_worker_message(payload)
        if isinstance(message, KillTask):
            self.on_kill(payload)
            return
        assert isinstance(message, RunTask)
        checked = self._may_be_stale()
        if not self.admission.admit(message, self.worker_id, check_store=checked,
                                    holder_gone=redelivery() == LAPSED):
            return
        try:
            result = self._attempt(message, payload, checked)
            if result is not None:
                self.transport.publish(EXECUTOR_QUEUE, result.encode())
        except BaseException:
            self.admission.give_up(message, self.worker_id)
            raise
        if result is not None:
            self.admission.done(message, self.worker_id)

    def take_claim(self) -> TakeClaim:
        """What this worker's consumer claims as it takes each attempt
        (`Transport.consume(..., claim=...)`): its `worker_id` must be final by then."""
        return self.admission.take_claim(self.worker_id)

    def _may_be_stale(self) -> bool:
        """A redelivered message, or any while this worker may have been frozen or declared
        dead: its attempt may have been closed since (worker/admission.py)."""
        return is_redelivery() or (self.silence is not None and self.silence.suspect())

    def _attempt(self, message: RunTask, payload: dict[str, Any],
                 list_first: bool = False) -> TaskResult | None:
        """Run the attempt; its result, or None when a shutdown gave it back to its queue.
        `list_first`: the heartbeat row lists the attempt before its body starts."""
        killed = self._register(message)
        if list_first:
            self._list_now()
        started, began = utcnow(), time.perf_counter()
        outcome = None
        try:
            outcome = self._run(message, killed)
        finally:
            requeue = self._unregister(message)
            self._count(message, began, "REQUEUED" if requeue else
                        outcome.state.value if outcome else "ERROR")
        if requeue:
            self.admission.give_up(message, self.worker_id)
            self._give_back(message, payload)
            return None
        return TaskResult(execution_id=message.execution_id, task_run_id=message.task_run_id,
                          attempt=message.attempt, state=outcome.state, outputs=outcome.outputs,
                          error=outcome.error, labels=outcome.labels, started=started,
                          ended=utcnow(), worker_id=self.worker_id,
                          children=outcome.children, logs=self._tail_logs(message),
                          log_file=outcome.log_file, assets=outcome.assets,
                          cache_key=outcome.cache_key)

    def _tail_logs(self, message: RunTask) -> list[LogLine] | None:
        """The attempt's lines not stored yet, to send with its result; a long tail is
        stored here instead, so a result message stays small."""
        tail = self.logs.take(message.execution_id)
        if not tail:
            return None
        if len(tail) > INLINE_LOG_LINES or \
                sum(len(entry.message) for entry in tail) > INLINE_LOG_CHARS:
            try:
                with self.db.begin() as conn:
                    append_logs(conn, tail)
                return None
            except Exception as exc:
                if not is_outage(exc):
                    raise
                # The body ran: a large result beats running it again once the store is
                # back (the executor stores these lines with the result).
                log.warning("store unavailable: %d log lines of attempt %d of %s travel with "
                            "its result", len(tail), message.attempt, message.task_run_id)
        return [LogLine(task_run_id=e.task_run_id, task_id=e.task_id, attempt=e.attempt,
                        level=e.level, message=e.message, timestamp=e.timestamp)
                for e in tail]

    def on_kill(self, payload: dict[str, Any]) -> None:
        message = decode_worker_message(payload)
        if not isinstance(message, KillTask):
            return
        with self._lock:
            self._killed[(message.execution_id, message.task_run_id)] = message.attempt
            while len(self._killed) > KILL_MEMORY:
                self._killed.pop(next(iter(self._killed)))
            for key, event in self._running.items():
                if self._stopped_by_kill(self._attempts[key]):
                    event.set()

    def _stopped_by_kill(self, message: RunTask) -> bool:
        """Whether a kill remembered targets this attempt (not a restart's later one)."""
        for key in ((message.execution_id, message.task_run_id), (message.execution_id, None)):
            if key in self._killed:
                last = self._killed[key]
                if last is None or message.attempt <= last:
                    return True
        return False

    def _register(self, message: RunTask) -> threading.Event:
        killed = threading.Event()
        key = (message.execution_id, message.task_run_id)
        with self._lock:
            if self._stopped_by_kill(message):
                killed.set()
            self._running[key] = killed
            self._attempts[key] = message
        slots = metrics.get().worker_slots
        slots.labels("busy").inc()
        slots.labels("free").dec()
        self._changed()
        return killed

    def _unregister(self, message: RunTask) -> bool:
        """Forget a finished attempt; True when a shutdown interrupted it (requeue it)."""
        key = (message.execution_id, message.task_run_id)
        with self._lock:
            self._running.pop(key, None)
            self._attempts.pop(key, None)
            requeue = key in self._requeue
            self._requeue.discard(key)
        slots = metrics.get().worker_slots
        slots.labels("busy").dec()
        slots.labels("free").inc()
        # No early heartbeat for an attempt that ended: if this worker dies before its next
        # beat lists it gone, the executors' resubmission of it is a stale no-op.
        return requeue

    @staticmethod
    def _count(message: RunTask, began: float, state: str) -> None:
        """An attempt ended here: by type and state (ERROR: the worker itself raised)."""
        m = metrics.get()
        task_type = registry.canonical("task", message.task.get("type")) or "unknown"
        m.worker_attempts.labels(task_type, state).inc()
        m.worker_attempt_duration.labels(task_type, state).observe(time.perf_counter() - began)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _list_now(self) -> None:
        """Write the heartbeat row now rather than soon: an attempt that came back (its
        worker died) may kill this worker too, and the executor counts only the deaths of
        workers listing it (a task that kills every worker must end, see resubmit.py)."""
        if self.list_now is None:
            return
        try:
            self.list_now()
        except Exception:  # noqa: BLE001 - the regular beat lists it soon anyway
            log.warning("could not list attempt in the heartbeat row", exc_info=True)

    def running_attempts(self) -> list[dict[str, Any]]:
        """The attempts this worker runs now, as its heartbeat row lists them."""
        with self._lock:
            return [{"execution_id": m.execution_id, "task_run_id": m.task_run_id,
                     "attempt": m.attempt} for m in self._attempts.values()]

    # ------------------------------------------------------------------ silences
    def watch_silence(self, stop: threading.Event) -> SilenceWatch:
        """Notice, until `stop`, that this process was frozen (worker/silence.py); the
        heartbeat reports a declared death with `silence.declared_dead()`."""
        self.silence = SilenceWatch()
        self.silence.on_silence = self.stop_closed_attempts
        self.silence.run(stop)
        return self.silence

    def stop_closed_attempts(self) -> int:
        """Stop the running attempts the executor closed meanwhile (resubmitted elsewhere
        while this worker was silent, or killed): their results would be stale, their side
        effects doubled. Returns how many were stopped."""
        with self._lock:
            running = list(self._attempts.items())
        if not running:
            return 0
        with self.db.read() as conn:
            closed = [key for key, message in running
                      if not ((run := get_task_run(conn, message.task_run_id))
                              and run.runs_attempt(message.attempt))]
        held = dict(running)
        with self._lock:
            for key in closed:  # unless another attempt of the run started here meanwhile
                if key in self._running and self._attempts.get(key) is held[key]:
                    self._running[key].set()
        for execution_id, run_id in closed:
            log.warning("attempt of task run %s (execution %s) closed by the executor while "
                        "this worker was silent: stopped", run_id, execution_id)
        return len(closed)

    # ------------------------------------------------------------------ shutdown
    def drain(self, grace_seconds: float) -> threading.Timer:
        """A shutdown began (SIGTERM): the transport takes no new messages; running
        attempts get `grace_seconds` to finish, then are interrupted and requeued."""
        timer = threading.Timer(grace_seconds, self.interrupt_for_requeue)
        timer.daemon = True
        timer.start()
        return timer

    def interrupt_for_requeue(self) -> int:
        """Stop every running attempt; each goes back to its queue instead of reporting a
        result (the same attempt then runs on another worker). An attempt a kill request
        already stopped reports KILLED as usual."""
        with self._lock:
            keys = [key for key, killed in self._running.items() if not killed.is_set()]
            self._requeue.update(keys)
            for key in keys:
                self._running[key].set()
        if keys:
            log.warning("shutdown grace over: %d running attempt(s) interrupted and requeued",
                        len(keys))
        return len(keys)

    def _give_back(self, message: RunTask, payload: dict[str, Any]) -> None:
        self.logs.add(message, str(message.task.get("id")), "WARNING",
                      f"worker {self.worker_id} shutting down: attempt {message.attempt} "
                      "interrupted and requeued")
        tail = self.logs.take(message.execution_id)
        with self.db.begin() as conn:
            append_logs(conn, tail)
        # Flagged: whoever takes it checks the attempt is still open before running it.
        self.transport.publish(queue_of(message), payload, redelivery=True)

    def _run(self, message: RunTask, killed: threading.Event) -> Outcome:
        try:
            task = task_adapter().validate_python(message.task)
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
        ctx.storage_outage_seconds = self.storage_outage_seconds

        def log_sink_for(run_id: str, child_task_id: str):  # WorkingDirectory children
            child = message.model_copy(update={"task_run_id": run_id, "attempt": 1})
            return lambda level, text: self.logs.add(child, child_task_id, level, text)

        ctx.log_sink_for = log_sink_for
        ctx.store, ctx.publish = self.db, self.transport.publish  # for the admin tasks
        if self.http is not None:
            ctx.http = self.http
        if self.script_envs is not None:
            ctx.script_envs = self.script_envs
        if self.sandbox is not None:
            ctx.sandbox = self.sandbox
        if self.script_limits is not None:
            ctx.script_limits = self.script_limits
        if self.local_files is not None:
            ctx.local_files = self.local_files
        cached, cache_key = look_up(self.db, message, task, ctx, on_log)
        if cached is not None:
            return cached
        # The executor owns retries and applies allowFailure once it knows none is left.
        outcome = run_attempt(task, ctx, retry_left=True)
        outcome = self._offload(outcome, ctx, on_log)
        outcome.cache_key = cache_key
        return outcome

    def _offload(self, outcome: Outcome, ctx: RunContext,
                 on_log: Callable[[str, str], None]) -> Outcome:
        """Large outputs stored, referenced (common/storage/offload.py). Storage failing
        fails the attempt with its reason: raising here would give the message back to the
        broker and run the body again."""
        if self.storage is None or not outcome.outputs:
            return outcome
        storage, uri = self.storage, ctx.output_uri(OUTPUTS_FILE)
        try:
            outcome.outputs = offload(outcome.outputs, self.max_output_bytes, lambda data: (
                ctx.through_outage(lambda: storage.put(uri, data), "the upload of the outputs")))
        except StorageError as exc:
            error = f"The task's outputs could not be stored: {exc.message}"
            on_log("ERROR", error)
            return Outcome(state=State.FAILED, error=error)
        return outcome
