"""One scenario, start to end: private servers, a supervised fleet, the workload, the
fault, the measurement; everything torn down whatever happens (Ctrl-C included)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from podium.common.flow.loader import parse_flow
from podium.common.settings import Settings
from podium.common.store import upgrade
from podium.runtime import Runtime
from tests.faults.measure import TERMINAL, Fault, Monitor, Report, measure
from tests.faults.supervisor import Supervisor
from tests.faults.workload import BODIES, FLOW_ID, NAMESPACE, Sink, durations, flow_source
from tests.support.servers import PostgresServer, RedisServer, ServerUnavailable
from tests.waiting import poll_until

KEY_PREFIX = "podium-faults:"
TEMPLATE_DB = "podium_template"

# Liveness tuned so that each recovery path fits the 30 s target on its own: a silent worker
# is declared dead after 6 s, a dead consumer's messages come back after 15 s (above the
# heartbeat timeout, as the settings ask), a lost TimerFired fires again after 15 s.
# `--product-defaults` runs without these.
TUNING = {
    "PODIUM_WORKER__HEARTBEAT_SECONDS": "1",
    "PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS": "6",
    "PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS": "15",
    "PODIUM_BROKER__RESTORE_INTERVAL_SECONDS": "1",
    "PODIUM_EXECUTOR__TIMER_REFIRE_SECONDS": "15",
    "PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS": "2",
}


@dataclass
class Options:
    seed: int = 1
    executions: tuple[int, int] = (20, 40)  # seeded count, between these
    timeout: float = 90.0  # after the last fault is over, for every execution to end
    workers: int = 2
    worker_concurrency: int = 8
    tuned: bool = True
    keep: bool = False  # keep the folder (logs, sink) for a look afterwards
    verbose: bool = False


class Cluster:
    """The servers every scenario of a run shares: one PostgreSQL cluster with a migrated
    template database (each scenario gets a copy), and a folder."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.folder = Path(tempfile.mkdtemp(prefix="podium-faults-"))
        try:
            self.postgres = PostgresServer(self.folder)
        except ServerUnavailable:
            shutil.rmtree(self.folder)
            raise
        self.databases = 0

    def start(self) -> "Cluster":
        self.postgres.init()
        self.postgres.sql(f"CREATE DATABASE {TEMPLATE_DB}")
        upgrade(self.postgres.url(TEMPLATE_DB))
        return self

    def new_database(self) -> str:
        self.databases += 1
        name = f"scenario_{self.databases}"
        if not self.postgres.running():  # a previous scenario's failure left it down
            self.postgres.start()
        self.postgres.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
        return name

    def close(self) -> None:
        try:
            if self.postgres.running():
                self.postgres.stop("immediate")
        finally:
            if self.options.keep:
                print(f"kept {self.folder}")
            else:
                shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def _patched_environ(env: dict[str, str]) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("PODIUM_")}
    for name in saved:
        del os.environ[name]
    os.environ.update(env)
    try:
        yield
    finally:
        for name in env:
            os.environ.pop(name, None)
        os.environ.update(saved)


def settings_for(env: dict[str, str]) -> Settings:
    """Settings exactly as a service started with `env` reads them."""
    with _patched_environ(env):
        return Settings()


@dataclass
class Context:
    """What a scenario's injection works with."""

    cluster: Cluster
    redis: RedisServer
    supervisor: Supervisor
    sink: Sink
    database: str
    env: dict[str, str]
    rng: random.Random
    options: Options
    runtime: Runtime
    expected_bodies: int = 0
    execution_ids: list[str] = field(default_factory=list)
    state: dict = field(default_factory=dict)  # what a scenario keeps between its hooks

    def log(self, message: str) -> None:
        if self.options.verbose:
            print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)

    def wait_bodies(self, fraction: float, timeout: float = 60.0) -> None:
        """Until `fraction` of the workload's bodies have started (the fault's moment)."""
        wanted = max(3, int(fraction * self.expected_bodies))
        poll_until(lambda: len(self.sink.read()) >= wanted, timeout, poll=0.1)
        self.log(f"{len(self.sink.bodies)} bodies started")


def _environment(cluster: Cluster, redis: RedisServer, database: str, folder: Path,
                 options: Options, extra: dict[str, str]) -> dict[str, str]:
    env = {
        "PODIUM_DATABASE__URL": cluster.postgres.url(database),
        "PODIUM_BROKER__URL": redis.url,
        "PODIUM_BROKER__KEY_PREFIX": KEY_PREFIX,
        "PODIUM_STORAGE__BASE_PATH": str(folder / "storage"),
        "PODIUM_WORKER__SCRIPT_ENV_DIR": str(folder / "script-envs"),
        "PODIUM_LOG_LEVEL": "INFO" if options.verbose else "WARNING",
        # The bodies append to a host sink file and report host pids: unsandboxed.
        "PODIUM_WORKER__SANDBOX": "none",
    }
    if options.tuned:
        env.update(TUNING)
    env.update(extra)
    return env


def run_scenario(scenario, cluster: Cluster, options: Options) -> Report:
    """Run `scenario` (a scenarios.Scenario) once; its Report, whatever happened."""
    rng = random.Random(f"{options.seed}:{scenario.name}")
    started = time.time()
    folder = cluster.folder / scenario.name
    folder.mkdir()
    with ExitStack() as stack:
        redis = RedisServer(folder)
        redis.start()
        stack.callback(redis.stop, signal.SIGKILL)
        state: dict = {}
        extra = {**scenario.env, **scenario.prepare(folder, stack, state)}
        database = cluster.new_database()
        env = _environment(cluster, redis, database, folder, options, extra)
        supervisor = Supervisor(env, executors=scenario.executors, workers=options.workers,
                                worker_concurrency=options.worker_concurrency,
                                schedulers=scenario.schedulers)
        stack.callback(_stop_fleet, supervisor, options.keep)
        supervisor.start()
        runtime = Runtime.connect(settings_for(env))
        stack.callback(_close_quietly, runtime)
        sink = Sink(folder / "sink.txt")
        runtime.deploy(parse_flow(flow_source(sink.path)))
        monitor = Monitor(cluster.postgres.url(database)).start()
        stack.callback(monitor.stop)
        ctx = Context(cluster, redis, supervisor, sink, database, env, rng, options, runtime,
                      state=state)
        stack.callback(scenario.cleanup, ctx)
        scenario.before(ctx)
        count = rng.randint(*(scenario.executions or options.executions))
        ctx.expected_bodies = count * (len(BODIES) + 1)
        for inputs in durations(rng, count, scenario.sleeps):
            ctx.execution_ids.append(runtime.submit(NAMESPACE, FLOW_ID, inputs).id)
        ctx.log(f"{count} executions submitted")
        faults: list[Fault] = scenario.inject(ctx)
        back = max((f.back or f.at for f in faults), default=time.time())
        monitor.wait_terminal(len(ctx.execution_ids), back + options.timeout)
        ctx.log("measuring")
        report = measure(scenario.name, options.seed, monitor, faults, sink,
                         cluster.postgres.url(database), started, scenario.stall_target)
        report.missed += scenario.check(ctx, monitor)
        report.note = scenario.note(ctx)
        _log_stuck(ctx, monitor)
        return report


def _log_stuck(ctx: Context, monitor: Monitor, shown: int = 5) -> None:
    """With -v: which executions are stuck, in what state, since when."""
    now = time.time()
    stuck = [(i, p) for i, p in monitor.states().items() if p.state not in TERMINAL]
    for execution_id, progress in stuck[:shown]:
        ctx.log(f"stuck {execution_id} {progress.state} for {now - progress.changed:.0f}s, "
                f"task runs {progress.signature[3] if progress.signature else '-'}")


def _stop_fleet(supervisor: Supervisor, keep: bool) -> None:
    supervisor.stop()
    if not keep:
        shutil.rmtree(supervisor.fleet.folder, ignore_errors=True)
    else:
        print(f"kept service logs in {supervisor.fleet.folder}")


def _close_quietly(runtime: Runtime) -> None:
    try:
        runtime.close()
        runtime.transport.close()
    except Exception:  # noqa: BLE001 - the broker or the store may be gone: cleanup goes on
        pass
