"""CPU per executor message, with no broker: the executor's and the worker's handlers
called in turn in one thread over a throwaway PostgreSQL database.

    .venv/bin/python -m bench.executor_cpu [--executions 200] [--fanout] [--profile] [--batch 32]

Submits `--executions` runs of bench.throughput's 5-task sequential flow (or, with
`--fanout`, one 1,000-item ForEach), then hands every queued message to its handler until
none is left, timing each handler call with `time.thread_time` (CPU of this thread only:
the machine's load barely moves it). What it isolates is the decision and its SQL, which
`bench.throughput` cannot tell from Celery's own delivery work. `--profile` adds cProfile's
top functions (which slows every call). A measurement: asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
import uuid

from sqlalchemy import create_engine, text

from bench import foreach, run
from bench import throughput as workloads
from podium.common.flow.loader import parse_flow
from podium.common.storage.local import LocalStorage
from podium.common.store import Database
from podium.common.store.migrate import upgrade_database
from podium.common.transport.base import EXECUTOR_QUEUE, WORKER_QUEUE, decode_payload
from podium.common.transport.memory import InProcessTransport
from podium.executor.service import ExecutorService
from podium.runtime import Runtime
from podium.worker.service import WorkerService


def drain(transport: InProcessTransport, handlers: dict[str, object],
          profile: cProfile.Profile | None, batch: int = 1) -> dict[str, list[float]]:
    """Hand every queued message to its handler (executor first) until none is left. With
    `batch` > 1 the queues are drained in waves (every message waiting on one, then on the
    other) and the executor gets up to `batch` messages at once
    (`ExecutorService.handle_batch`, as its consumer on Redis): each entry of the result is
    then a batch's CPU divided among its messages."""
    cpu: dict[str, list[float]] = {EXECUTOR_QUEUE: [], WORKER_QUEUE: []}
    queues = transport._queues  # the in-process transport's own lists: no consumer thread
    queue = WORKER_QUEUE
    while queues[EXECUTOR_QUEUE] or queues[WORKER_QUEUE]:
        if batch == 1 or not queues[queue]:  # in waves: everything waiting, then the other
            queue = EXECUTOR_QUEUE if queues[EXECUTOR_QUEUE] else WORKER_QUEUE
        taken = batch if queue == EXECUTOR_QUEUE else 1
        payloads = [decode_payload(queues[queue].popleft().text)
                    for _ in range(min(taken, len(queues[queue])))]
        profiling = profile is not None and queue == EXECUTOR_QUEUE
        if profiling:
            profile.enable()
        began = time.thread_time()
        if taken > 1:
            handlers["batch"](payloads)  # type: ignore[operator]
        else:
            handlers[queue](payloads[0])  # type: ignore[operator]
        spent = time.thread_time() - began
        cpu[queue].extend([spent / len(payloads)] * len(payloads))
        if profiling:
            profile.disable()
    return cpu


def measure(database_url: str, args: argparse.Namespace) -> None:
    db = Database(database_url)
    upgrade_database(db)
    transport = InProcessTransport()
    runtime = Runtime(db, transport, LocalStorage(tempfile.mkdtemp(prefix="podium-cpu-")))
    executor = ExecutorService(db, transport)
    worker = WorkerService(db, transport, storage=runtime.storage)
    handlers = {EXECUTOR_QUEUE: executor.handle, WORKER_QUEUE: worker.handle,
                "batch": executor.handle_batch}
    runtime.deploy(parse_flow(workloads.sequential_flow_yaml(workloads.MANY_FLOW, 5)))
    runtime.deploy(parse_flow(workloads.fanout_flow_yaml(workloads.FANOUT_FLOW, 1000, 100)))
    runtime.deploy(parse_flow(workloads.fanout_flow_yaml(workloads.WARM_FANOUT_FLOW, 10, 100)))
    for _ in range(10):  # warm-up: caches, prepared statements, the ForEach's schema
        runtime.submit(run.NAMESPACE, workloads.MANY_FLOW)
    runtime.submit(foreach.NAMESPACE, workloads.WARM_FANOUT_FLOW)
    drain(transport, handlers, None)
    if args.fanout:
        runtime.submit(foreach.NAMESPACE, workloads.FANOUT_FLOW)
    else:
        for _ in range(args.executions):
            runtime.submit(run.NAMESPACE, workloads.MANY_FLOW)
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    cpu = drain(transport, handlers, profile, args.batch)
    for queue, name in ((EXECUTOR_QUEUE, "executor"), (WORKER_QUEUE, "worker")):
        calls = cpu[queue]
        print(f"{name}: {len(calls)} messages, "
              f"{1000 * sum(calls) / max(len(calls), 1):.3f} ms CPU per message")
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    runtime.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executions", type=int, default=200)
    parser.add_argument("--fanout", action="store_true", help="one 1,000-item ForEach")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--batch", type=int, default=1,
                        help="hand the executor up to this many waiting messages at once "
                             "(its batch consumer on Redis takes up to 32)")
    parser.add_argument("--pg-host-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args(argv)
    name = f"podium_bench_cpu_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{args.pg_host_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        measure(f"{args.pg_host_url}/{name}", args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
