"""Composition of the services into one running system.

`Runtime.embedded(...)`: SQLite, in-process transport, executor and worker threads in
this process — the default on a machine with no servers. The same ExecutorService and
WorkerService classes run as separate processes on the distributed path (`podium executor`,
`podium worker`); only the Database, Transport and Storage differ. The storage is local disk
under the data directory when embedded, and whatever the settings say otherwise (a directory
every process shares, or S3): this process uploads FILE inputs, workers read and write task
files, and the CLI lists and downloads them.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from podium import wiring
from podium.application import control, executions, flows
from podium.application import logs as execution_logs
from podium.common.errors import PodiumError
from podium.common.flow.loader import LoadedFlow
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.outbox_relay import OutboxRelay
from podium.common.secrets import SecretCipher, SecretProvider
from podium.common.settings import ExecutorSettings, SchedulerSettings, Settings
from podium.common.storage import LocalStorage, Storage, StorageEntry
from podium.common.storage.local_paths import LocalFiles
from podium.common.store import Database, FlowRevision, upgrade, upgrade_database
from podium.common.store.outbox import message_ids
from podium.common.templating.context import DEFAULT_ENV_PREFIX
from podium.common.transport.base import KILL_CHANNEL, WORKER_QUEUE, Transport
from podium.common.transport.memory import InProcessTransport
from podium.executor.engine.context import EngineConfig
from podium.executor.flow_cache import FlowCache
from podium.executor.service import ExecutorService
from podium.scheduler.service import SchedulerService
from podium.testing.fleet import Fleet
from podium.worker.sandbox import Sandbox
from podium.worker.script_envs import ScriptEnvironments
from podium.worker.script_limits import Limits
from podium.worker.service import WorkerService


class Runtime:
    """A database and a transport, plus whichever services this process runs."""

    def __init__(self, db: Database, transport: Transport,
                 storage: Storage | None = None) -> None:
        self.db = db
        self.transport = transport
        self.storage = storage
        self.relay = OutboxRelay(db, transport)
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.executor: ExecutorService | None = None
        self.worker: WorkerService | None = None
        self.scheduler: SchedulerService | None = None
        self._unsubscribe = None
        self.fleet: Fleet | None = None
        self.flows = FlowCache()
        # secret() values for the workers started here; the key SECRET inputs are sealed
        # with at submission (common/secrets.py). Set by the constructors below.
        self.secrets: SecretProvider | None = None
        self.cipher: SecretCipher | None = None
        # Where the workers started here cache script environments.
        self.script_envs: ScriptEnvironments | None = None
        # How the workers started here isolate script processes, and their default limits.
        self.sandbox: Sandbox | None = None
        self.script_limits: Limits | None = None
        # The host directories file:// URIs may reach in the workers started here.
        self.local_files: LocalFiles | None = None
        # What the inputs' expressions may call when this process creates an execution
        # (secret(), kv(), http(), read()); set by the constructors below.
        self.input_services = None
        # Deletes the outbox rows of what this process publishes (its submissions).
        self.threads.append(self.relay.run_background(self.stop, sweep_every=None))

    @classmethod
    def embedded(cls, data_dir: str | Path | None = None, *, workers: int = 4,
                 environ: dict[str, str] | None = None,
                 scheduler: bool | SchedulerSettings = False,
                 script_env_dir: str | Path | None = None) -> "Runtime":
        """`scheduler` (True, or its settings) also runs a scheduler thread, so Schedule
        triggers of the flows deployed here fire. Script environments are cached in
        `script_env_dir`, else `environ`'s PODIUM_WORKER__SCRIPT_ENV_DIR, else
        `script-envs/` of the data folder."""
        folder = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="podium-"))
        folder.mkdir(parents=True, exist_ok=True)
        db = Database(f"sqlite:///{folder / 'podium.db'}")
        upgrade_database(db)
        runtime = cls(db, InProcessTransport(), LocalStorage(folder / "storage"))
        env = dict(environ if environ is not None else os.environ)
        runtime.secrets = wiring.secret_provider(env)
        runtime.cipher = wiring.embedded_cipher(folder, env)
        runtime.script_envs = ScriptEnvironments(
            script_env_dir or env.get("PODIUM_WORKER__SCRIPT_ENV_DIR") or folder / "script-envs")
        runtime.local_files = wiring.local_files_from(env)
        runtime.sandbox, runtime.script_limits = wiring.script_isolation_from(env)
        runtime.input_services = wiring.render_services(db, runtime.storage, runtime.secrets,
                                                        runtime.local_files)
        runtime.start_executor(EngineConfig(
            environ=env, globals_=_globals(env), env_prefix=_env_prefix(env),
            render_services=runtime.input_services,
            cipher=runtime.cipher, load_outputs=wiring.outputs_loader(runtime.storage),
            write_file=wiring.file_writer(runtime.storage),
            max_chain_depth=_max_chain_depth(env)))
        runtime.start_worker(concurrency=workers)
        if scheduler:
            runtime.start_scheduler(scheduler if isinstance(scheduler, SchedulerSettings)
                                    else None)
        return runtime

    @classmethod
    def connect(cls, settings: Settings) -> "Runtime":
        """Talk to a deployment (store + Celery) without running any service here."""
        runtime = cls(wiring.database(settings), wiring.celery_transport(settings),
                      wiring.storage(settings))
        runtime.cipher = wiring.secret_cipher(settings)
        runtime.input_services = wiring.render_services(
            runtime.db, runtime.storage, wiring.secret_provider(),
            wiring.local_files(settings.local_files), http=settings.http)
        return runtime

    @classmethod
    def distributed(cls, settings: Settings, env: dict[str, str], *, executors: int = 1,
                    workers: int = 1, worker_concurrency: int = 4,
                    schedulers: int = 0) -> "Runtime":
        """Start real `podium executor` / `podium worker` (/ `podium scheduler`) processes
        (configured by `env`, which must describe the same deployment as `settings`) and
        connect to them."""
        upgrade(settings.database.url)
        fleet = Fleet(env, executors=executors, workers=workers,
                      worker_concurrency=worker_concurrency, schedulers=schedulers).start()
        runtime = cls.connect(settings)
        runtime.fleet = fleet
        return runtime

    # ------------------------------------------------------------------ services
    def start_executor(self, config: EngineConfig | None = None, concurrency: int = 1) -> None:
        self.executor = ExecutorService(self.db, self.transport, config=config)
        self.threads += self.executor.run_background(self.stop)
        thread = threading.Thread(target=self.executor.consume, args=(self.stop, concurrency),
                                  name="executor-consumer", daemon=True)
        thread.start()
        self.threads.append(thread)

    def start_worker(self, concurrency: int = 4, queues: list[str] | None = None) -> None:
        self.worker = WorkerService(self.db, self.transport, storage=self.storage,
                                    secrets=self.secrets, cipher=self.cipher,
                                    script_envs=self.script_envs,
                                    sandbox=self.sandbox, script_limits=self.script_limits,
                                    local_files=self.local_files)
        self._unsubscribe = self.transport.subscribe_broadcast(KILL_CHANNEL, self.worker.on_kill)
        self._consume(queues or [WORKER_QUEUE], self.worker.handle, concurrency, "worker")

    def start_scheduler(self, settings: SchedulerSettings | None = None) -> None:
        self.scheduler = SchedulerService(self.db, self.transport, settings,
                                          cipher=self.cipher, input_services=self.input_services,
                                          storage=self.storage)
        self.threads.append(self.scheduler.run_background(self.stop))

    def _consume(self, queues: list[str], handler, concurrency: int, name: str) -> None:
        thread = threading.Thread(target=self.transport.consume, args=(queues, handler),
                                  kwargs={"concurrency": concurrency, "stop": self.stop},
                                  name=f"{name}-consumer", daemon=True)
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        # The background loops sleep between rounds: end their sleeps, or every close
        # waits out the longest of them (a quarter of a second).
        self.relay.wake()
        if self.executor:
            self.executor.wake()
        if self.scheduler:
            self.scheduler.relay.wake()
        if self.fleet:
            self.fleet.stop()
        if self._unsubscribe:
            self._unsubscribe()
        for thread in self.threads:
            thread.join(timeout=5)
        if self.worker:
            self.worker.logs.close()
        self.relay.delete_published()
        if self.scheduler:
            self.scheduler.relay.delete_published()
        self.db.dispose()
        if self.storage:
            self.storage.close()

    def __enter__(self) -> "Runtime":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ operations
    # Thin delegates to the application layer (podium/application/), which the API calls
    # too: each operation is written once, there.
    def deploy(self, loaded: LoadedFlow) -> FlowRevision:
        return flows.deploy(self, loaded)

    def submit(self, namespace: str, flow_id: str, inputs: dict[str, Any] | None = None, *,
               labels: dict[str, Any] | None = None, validate_inputs: bool = True,
               trigger: dict[str, Any] | None = None) -> Execution:
        """See podium.application.executions.submit."""
        return executions.submit(self, namespace, flow_id, inputs, labels=labels,
                                 validate_inputs=validate_inputs, trigger=trigger)

    def flow(self, namespace: str, flow_id: str):
        """The latest deployed revision of a flow (parsed); PodiumError when absent."""
        return flows.latest(self, namespace, flow_id)

    def wait(self, execution_id: str, timeout: float | None = None,
             poll: float = 0.02) -> Execution:
        """Block until the execution is terminated (or paused); raises TimeoutError."""
        return executions.wait(self, execution_id, timeout, poll)

    def wait_idle(self, timeout: float = 20.0, poll: float = 0.01) -> None:
        """Block until nothing is left to do in this process: every outbox row published,
        no message queued or being handled on the in-process transport, no task attempt
        running. Tests wait for this instead of sleeping before they assert that something
        did *not* happen. TimeoutError names what is still busy. Not covered: a timer not
        due yet (a Pause's delay, a retry's backoff) and a scheduler tick still deciding."""
        if not isinstance(self.transport, InProcessTransport):
            raise PodiumError("wait_idle needs the in-process transport (an embedded runtime)")
        deadline = time.monotonic() + timeout
        while busy := self._busy():
            if time.monotonic() > deadline:
                raise TimeoutError(f"not idle after {timeout}s: {'; '.join(busy)}")
            time.sleep(poll)

    def _busy(self) -> list[str]:
        """What keeps this runtime busy, in words; empty when idle. The outbox is read
        first: a row committed before is either unpublished (busy) or already on the
        transport, which is read next."""
        relays = [self.relay] + [s.relay for s in (self.executor, self.scheduler) if s]
        with self.db.read() as conn:
            unpublished = message_ids(conn).difference(*(r.published() for r in relays))
        busy = [f"{len(unpublished)} outbox message(s) not published"] if unpublished else []
        assert isinstance(self.transport, InProcessTransport)
        busy += [f"{count} message(s) on {queue}"
                 for queue, count in sorted(self.transport.busy().items())]
        attempts = self.worker.running_attempts() if self.worker else []
        busy += [f"task run {a['task_run_id']} of execution {a['execution_id']} running"
                 for a in attempts]
        return busy

    def resume(self, execution_id: str, inputs: dict[str, Any] | None = None) -> None:
        """See podium.application.control.resume."""
        control.resume(self, execution_id, inputs)

    def review(self, execution_id: str, decision: str, comment: str | None = None,
               inputs: dict[str, Any] | None = None, task_run_id: str | None = None,
               by: str | None = None) -> str:
        """See podium.application.control.review."""
        return control.review(self, execution_id, decision, comment, inputs,
                              task_run_id=task_run_id, by=by)

    def get(self, execution_id: str) -> Execution | None:
        return executions.get(self, execution_id)

    def task_runs(self, execution_id: str) -> list[TaskRun]:
        return executions.task_runs(self, execution_id)

    def files(self, execution_id: str) -> list[StorageEntry]:
        """Every stored file of an execution (inputs, task outputs), sorted by URI."""
        return executions.files(self, execution_id)

    def logs(self, execution_id: str) -> list:
        return execution_logs.lines(self, execution_id)

    # ------------------------------------------------------------------ execution control
    def kill(self, execution_id: str) -> None:
        """See podium.application.control.kill."""
        control.kill(self, execution_id)

    def restart(self, execution_id: str) -> None:
        """Re-run the failed (killed, paused) task runs of a terminated execution."""
        control.restart(self, execution_id)

    def replay(self, execution_id: str, task_run_id: str | None = None) -> str:
        """Run a terminated execution again as a new one; returns the new execution's id."""
        return control.replay(self, execution_id, task_run_id)

    def set_state(self, execution_id: str, task_run_id: str, state: State | str) -> None:
        """Force a terminated task run to SUCCESS / FAILED / WARNING; the execution goes on."""
        control.set_state(self, execution_id, task_run_id, state)

def _globals(env: dict[str, str]) -> dict:
    """`globals.*` of the embedded engine: PODIUM_VARIABLES_GLOBALS (a JSON map), as the
    services read it from their settings."""
    text = env.get("PODIUM_VARIABLES_GLOBALS")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise PodiumError("PODIUM_VARIABLES_GLOBALS must be a JSON map") from None
    if not isinstance(value, dict):
        raise PodiumError("PODIUM_VARIABLES_GLOBALS must be a JSON map")
    return value


def _max_chain_depth(env: dict[str, str]) -> int:
    """PODIUM_EXECUTOR__MAX_CHAIN_DEPTH, checked as the services' settings check it."""
    given = {"max_chain_depth": env["PODIUM_EXECUTOR__MAX_CHAIN_DEPTH"]} \
        if env.get("PODIUM_EXECUTOR__MAX_CHAIN_DEPTH") else {}
    try:
        return ExecutorSettings.model_validate(given).max_chain_depth
    except ValueError:
        raise PodiumError("PODIUM_EXECUTOR__MAX_CHAIN_DEPTH must be a whole number, "
                          "at least 1") from None


def _env_prefix(env: dict[str, str]) -> str:
    """The prefix of the variables `envs.*` shows (PODIUM_ENV_VARS_PREFIX, as the services
    read it from their settings)."""
    return env.get("PODIUM_ENV_VARS_PREFIX", DEFAULT_ENV_PREFIX)

