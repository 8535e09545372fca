"""The scenarios, registered explicitly at the bottom. A scenario's `inject(ctx)` waits for
the moment (a seeded share of the bodies started), breaks something, waits until it is back
(bounded waits only) and returns the faults with their instants; `before` / `cleanup` set up
and undo what lasts the whole run (a duplicator). Adding one: a function and a `register`."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.faults.duplicator import Duplicator
from tests.faults.harness import Context
from tests.faults.measure import Fault

RESTART_WAIT = 60.0  # a restarted service or server must be ready within this


def _nothing(ctx: Context) -> None:
    return None


def _no_note(ctx: Context) -> str:
    return ""


@dataclass(frozen=True)
class Scenario:
    name: str
    inject: Callable[[Context], list[Fault]]
    summary: str
    ci: bool = False
    executors: int = 1
    schedulers: int = 0
    env: dict[str, str] = field(default_factory=dict)
    before: Callable[[Context], None] = _nothing
    cleanup: Callable[[Context], None] = _nothing
    note: Callable[[Context], str] = _no_note


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> None:
    if scenario.name in SCENARIOS:
        raise ValueError(f"scenario {scenario.name} registered twice")
    SCENARIOS[scenario.name] = scenario


# ---------------------------------------------------------------- service kills

def _kill_and_restart(ctx: Context, role: str) -> Fault:
    slot = ctx.rng.choice(ctx.supervisor.role(role))
    pid, at = ctx.supervisor.kill(slot)
    ctx.log(f"killed {role} {pid}")
    back = ctx.supervisor.wait_ready(slot, RESTART_WAIT)
    ctx.log(f"{role} back as {slot.process.pid}")
    return Fault(f"kill -9 {role}", at, back, pids={pid} if role == "worker" else None)


def worker_kill(ctx: Context) -> list[Fault]:
    """kill -9 a worker three times, a few seconds apart; each restarted by the supervisor."""
    ctx.wait_bodies(ctx.rng.uniform(0.1, 0.2))
    faults = []
    for _ in range(3):
        faults.append(_kill_and_restart(ctx, "worker"))
        time.sleep(ctx.rng.uniform(2.0, 5.0))
    return faults


def executor_kill(ctx: Context) -> list[Fault]:
    """Two executors; kill -9 one mid-run, restarted."""
    ctx.wait_bodies(ctx.rng.uniform(0.2, 0.4))
    return [_kill_and_restart(ctx, "executor")]


# ---------------------------------------------------------------- Redis

def _redis_outage(ctx: Context, lose_data: bool) -> list[Fault]:
    ctx.wait_bodies(ctx.rng.uniform(0.2, 0.4))
    at = time.time()
    ctx.redis.stop(signal.SIGKILL if lose_data else signal.SIGTERM)
    if lose_data:
        ctx.redis.wipe()
    down = ctx.rng.uniform(2.0, 5.0)
    ctx.log(f"redis down for {down:.1f}s")
    time.sleep(down)
    ctx.redis.start()
    ctx.log("redis back")
    return [Fault("redis lost" if lose_data else "redis restart", at, time.time())]


def redis_restart(ctx: Context) -> list[Fault]:
    return _redis_outage(ctx, lose_data=False)


def redis_lost(ctx: Context) -> list[Fault]:
    return _redis_outage(ctx, lose_data=True)


# ---------------------------------------------------------------- PostgreSQL

def pg_restart(ctx: Context) -> list[Fault]:
    """`pg_ctl stop -m immediate`, down a few seconds, started; then, once the workload has
    moved on, every backend of the database terminated (pg_terminate_backend)."""
    ctx.wait_bodies(ctx.rng.uniform(0.15, 0.3))
    at = time.time()
    ctx.cluster.postgres.stop("immediate")
    down = ctx.rng.uniform(2.0, 5.0)
    ctx.log(f"postgres down for {down:.1f}s")
    time.sleep(down)
    ctx.cluster.postgres.start()
    restart = Fault("pg immediate restart", at, time.time())
    ctx.log("postgres back")
    ctx.wait_bodies(ctx.rng.uniform(0.55, 0.7))
    at = time.time()
    count = ctx.cluster.postgres.terminate_backends(ctx.database)
    ctx.log(f"terminated {count} backends")
    return [restart, Fault("pg_terminate_backend", at, time.time())]


# ---------------------------------------------------------------- duplicate delivery

def _start_duplicator(ctx: Context) -> None:
    prefix = ctx.env["PODIUM_BROKER__KEY_PREFIX"]
    ctx.state["duplicator"] = Duplicator(ctx.redis.port, prefix).start()
    ctx.state["duplicating_since"] = time.time()


def _stop_duplicator(ctx: Context) -> None:
    duplicator = ctx.state.pop("duplicator", None)
    if duplicator:
        duplicator.stop()


def _copies(ctx: Context) -> str:
    duplicator = ctx.state.get("duplicator")
    return f"{duplicator.copies} messages delivered twice" if duplicator else ""


def duplicate_delivery(ctx: Context) -> list[Fault]:
    """Every message delivered twice from the start (see duplicator.py): the fault has no
    instant and nothing is in flight when it begins, so no body may run twice."""
    since = ctx.state["duplicating_since"]
    return [Fault("every message twice", since, since)]


register(Scenario("worker-kill", worker_kill, "kill -9 a worker 3 times, restarted", ci=True))
register(Scenario("executor-kill", executor_kill, "kill -9 one of two executors, restarted",
                  ci=True, executors=2))
register(Scenario("redis-restart", redis_restart, "Redis stopped and started, data kept (AOF)",
                  ci=True))
register(Scenario("redis-lost", redis_lost, "Redis killed, its data deleted, started empty"))
register(Scenario("pg-restart", pg_restart, "PostgreSQL stop -m immediate + start, then "
                  "pg_terminate_backend", ci=True))
register(Scenario("duplicate-delivery", duplicate_delivery, "every message delivered twice",
                  ci=True, before=_start_duplicator, cleanup=_stop_duplicator, note=_copies))
