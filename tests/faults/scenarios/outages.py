"""Redis and PostgreSQL going away and coming back (the harness's own servers)."""

from __future__ import annotations

import signal
import time

from tests.faults.harness import Context
from tests.faults.measure import Fault


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
    """Redis stopped (its own shutdown) and started again with its data (AOF)."""
    return _redis_outage(ctx, lose_data=False)


def redis_lost(ctx: Context) -> list[Fault]:
    """Redis killed, its data files deleted, started empty: the store must notice what
    the broker lost and send it again."""
    return _redis_outage(ctx, lose_data=True)


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
