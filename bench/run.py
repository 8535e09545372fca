"""Podium's distributed path against raw Celery, on the local Redis and PostgreSQL.

    .venv/bin/python -m bench.run [--quick]

One run starts, side by side:

* Podium: 1 `podium executor` + 1 `podium worker` process (`Runtime.distributed`) on a
  fresh throwaway PostgreSQL database and a unique Redis key prefix;
* Celery: 1 ``celery worker`` process (concurrency 1) of a one-task app with the same
  serializer and acknowledgement settings, on another unique Redis key prefix;

then alternates the two (A B A B ..., so a drift of the machine's speed hits both) on:

* a 100-step sequential chain: Podium, a flow of 100 `io.kestra.plugin.core.debug.Return`
  tasks, per step = (end - start of the execution's state history) / 100; Celery, a
  ``celery.chain`` of 100 trivial tasks, per step = (submit call -> last task ran) / 100;
* 20 single-task submissions, one at a time: from just before the submit call to the
  moment the task starts (Podium: the attempt's start recorded in the store; Celery: the
  task body writes ``time.time()`` into Redis).

It prints one JSON document (also written to bench/results/latest.json), then one human
line saying which targets are met. Everything it created (processes, database, Redis keys,
temporary folders) is removed at the end, also on Ctrl-C / SIGTERM / errors.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import psycopg
import redis

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
NAMESPACE = "bench.podium"
CHAIN_FLOW = "chain"
SINGLE_FLOW = "single"

TARGETS = {"per_step_ratio_max": 3.0, "submit_to_start_median_ms_max": 10.0}


class BenchError(RuntimeError):
    """A benchmark step could not be carried out (as opposed to a slow figure)."""


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- statistics
def summary(values: list[float]) -> dict[str, Any]:
    """median, p90 (linear interpolation between order statistics), min, max, the runs."""
    if not values:
        return {"median": None, "p90": None, "min": None, "max": None, "runs": []}
    ordered = sorted(values)
    rank = 0.9 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    p90 = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return {"median": round(statistics.median(ordered), 3), "p90": round(p90, 3),
            "min": round(ordered[0], 3), "max": round(ordered[-1], 3),
            "runs": [round(v, 3) for v in values]}


def ms(seconds: float) -> float:
    return seconds * 1000.0


# ---------------------------------------------------------------------------- flows
def chain_flow_yaml(steps: int) -> str:
    lines = [f"id: {CHAIN_FLOW}", f"namespace: {NAMESPACE}",
             f"description: {steps} dependent Return tasks (benchmark)", "tasks:"]
    for index in range(1, steps + 1):
        lines += [f"  - id: t{index:03d}", "    type: io.kestra.plugin.core.debug.Return",
                  f'    format: "step {index}"']
    return "\n".join(lines) + "\n"


def single_flow_yaml() -> str:
    return (f"id: {SINGLE_FLOW}\nnamespace: {NAMESPACE}\ntasks:\n"
            "  - id: only\n    type: io.kestra.plugin.core.debug.Return\n    format: \"hello\"\n")


# ---------------------------------------------------------------------------- Redis
def delete_prefixed(client: redis.Redis, prefix: str) -> int:
    """Delete every key starting with `prefix` (a unique run prefix, no glob characters)."""
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=prefix + "*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted


# ---------------------------------------------------------------------------- Podium
class PodiumSide:
    """A throwaway database + key prefix, and the executor/worker fleet on them."""

    def __init__(self, *, pg_admin_url: str, pg_host_url: str, redis_url: str, tag: str,
                 chain_steps: int, timeout: float, executors: int = 1,
                 worker_concurrency: int = 1) -> None:
        self.pg_admin_url = pg_admin_url
        self.pg_host_url = pg_host_url.rstrip("/")
        self.redis_url = redis_url
        self.db_name = f"podium_bench_{tag}"
        self.prefix = f"podium_bench_{tag}:"
        self.chain_steps = chain_steps
        self.timeout = timeout
        self.executors = executors
        self.worker_concurrency = worker_concurrency
        self.data_dir = Path(tempfile.mkdtemp(prefix="podium-bench-data-"))
        self.runtime = None
        self.db_created = False
        self.env = {
            "PODIUM_DATABASE__URL": f"{self.pg_host_url}/{self.db_name}",
            "PODIUM_BROKER__URL": redis_url,
            "PODIUM_BROKER__KEY_PREFIX": self.prefix,
            "PODIUM_LOG_LEVEL": "WARNING",
            "PODIUM_DATA_DIR": str(self.data_dir),
        }

    # -- lifecycle
    def start(self) -> None:
        with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True
        say(f"podium: database {self.db_name}, Redis prefix {self.prefix!r}")
        os.environ.update(self.env)  # Settings() reads the environment; so do the children
        from podium.common.flow.loader import parse_flow
        from podium.common.settings import Settings
        from podium.runtime import Runtime

        settings = Settings()
        began = time.monotonic()
        try:
            # worker_concurrency 1 by default: the same as the Celery baseline's worker.
            self.runtime = Runtime.distributed(settings, self.env, executors=self.executors,
                                               workers=1,
                                               worker_concurrency=self.worker_concurrency)
        except Exception as exc:
            raise BenchError(f"podium fleet did not start: {exc}") from exc
        say(f"podium: {self.executors} executor(s) + worker (concurrency "
            f"{self.worker_concurrency}) ready in {time.monotonic() - began:.1f}s")
        self.runtime.deploy(parse_flow(chain_flow_yaml(self.chain_steps), name="chain.yaml"))
        self.runtime.deploy(parse_flow(single_flow_yaml(), name="single.yaml"))

    def pids(self) -> dict[str, int]:
        fleet = self.runtime.fleet if self.runtime else None
        return {f"{role}-{i}": process.pid
                for i, (role, process, _) in enumerate(fleet.processes)} if fleet else {}

    def log_tail(self) -> str:
        fleet = self.runtime.fleet if self.runtime else None
        return fleet.log_tail(30) if fleet else "(no fleet)"

    def close(self) -> None:
        fleet_folder = None
        if self.runtime is not None:
            fleet_folder = self.runtime.fleet.folder if self.runtime.fleet else None
            try:
                self.runtime.close()
            except Exception as exc:  # noqa: BLE001 - cleanup goes on
                say(f"podium: runtime close failed: {exc}")
            try:
                self.runtime.transport.close()
            except Exception:  # noqa: BLE001
                pass
            self.runtime = None
        if fleet_folder:
            shutil.rmtree(fleet_folder, ignore_errors=True)
        if self.db_created:
            try:
                with psycopg.connect(self.pg_admin_url, autocommit=True,
                                     connect_timeout=10) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                self.db_created = False
            except Exception as exc:  # noqa: BLE001
                say(f"podium: could not drop database {self.db_name}: {exc}")
        try:
            client = redis.Redis.from_url(self.redis_url, socket_timeout=10)
            deleted = delete_prefixed(client, self.prefix)
            client.close()
            say(f"podium: removed database, {deleted} Redis key(s)")
        except Exception as exc:  # noqa: BLE001
            say(f"podium: could not delete Redis keys {self.prefix}*: {exc}")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- measurements
    def _finished(self, execution_id: str, timeout: float, poll: float):
        try:
            execution = self.runtime.wait(execution_id, timeout=timeout, poll=poll)
        except TimeoutError as exc:
            raise BenchError(f"podium: {exc}\n{self.log_tail()}") from exc
        if execution.state.value != "SUCCESS":
            raise BenchError(f"podium: execution {execution_id} ended {execution.state.value}"
                             f"\n{self.log_tail()}")
        return execution

    def chain_once(self) -> dict[str, float]:
        submitted = time.time()
        execution = self.runtime.submit(NAMESPACE, CHAIN_FLOW)
        execution = self._finished(execution.id, self.timeout, poll=0.05)
        history = execution.history
        total = (history.end_date - history.start_date).total_seconds()
        runs = sorted(self.runtime.task_runs(execution.id), key=lambda run: run.seq)
        if len(runs) != self.chain_steps:
            raise BenchError(f"podium: chain has {len(runs)} task runs, expected "
                             f"{self.chain_steps}")
        return {"per_step_ms": ms(total) / self.chain_steps,
                "submit_to_end_ms": ms(history.end_date.timestamp() - submitted),
                **self._breakdown(execution, runs)}

    def _breakdown(self, execution, runs) -> dict[str, float]:
        """Where one step's time goes, from the timestamps the store keeps.

        Step i: executor decides (its clock, `tx.now`: task run RUNNING + attempt dispatched)
        -> worker starts the attempt -> worker ends it -> executor takes the result (its
        `tx.now` for the next decision, the next task run's CREATED).
        """
        dispatch_to_start, run_time, end_to_next, step_time = [], [], [], []
        for index, run in enumerate(runs):
            attempt = run.attempts[0]
            running = next(h.date for h in run.history.histories if h.state.value == "RUNNING")
            dispatch_to_start.append((attempt.started - running).total_seconds())
            run_time.append((attempt.ended - attempt.started).total_seconds())
            following = runs[index + 1].history.start_date if index + 1 < len(runs) \
                else execution.history.end_date
            end_to_next.append((following - attempt.ended).total_seconds())
            step_time.append((following - running).total_seconds())
        first_dispatch = next(h.date for h in runs[0].history.histories
                              if h.state.value == "RUNNING")
        return {
            "dispatch_to_worker_start_ms": ms(statistics.median(dispatch_to_start)),
            "worker_run_ms": ms(statistics.median(run_time)),
            "worker_end_to_executor_decision_ms": ms(statistics.median(end_to_next)),
            "execution_created_to_first_dispatch_ms":
                ms((first_dispatch - execution.history.start_date).total_seconds()),
            # Growth along the chain: the executor reloads every task run at each step.
            "first_10_steps_ms": ms(statistics.median(step_time[:10])),
            "last_10_steps_ms": ms(statistics.median(step_time[-10:])),
        }

    def single_once(self) -> dict[str, float]:
        before = time.time()
        execution = self.runtime.submit(NAMESPACE, SINGLE_FLOW)
        returned = time.time()
        execution = self._finished(execution.id, 30.0, poll=0.01)
        runs = self.runtime.task_runs(execution.id)
        if len(runs) != 1 or not runs[0].attempts:
            raise BenchError(f"podium: single execution {execution.id} has no attempt")
        run = runs[0]
        running = next(h.date for h in run.history.histories if h.state.value == "RUNNING")
        return {"submit_to_start_ms": ms(run.attempts[0].started.timestamp() - before),
                "submit_to_running_ms": ms(running.timestamp() - before),
                "submit_call_ms": ms(returned - before)}


# ---------------------------------------------------------------------------- Celery
class CelerySide:
    """A `celery worker` process of bench.celery_baseline, and the producer side."""

    def __init__(self, *, redis_url: str, tag: str, pool: str, chain_steps: int,
                 timeout: float, concurrency: int = 1) -> None:
        self.redis_url = redis_url
        self.concurrency = concurrency
        self.prefix = f"podium_bench_celery_{tag}:"
        self.pool = pool
        self.chain_steps = chain_steps
        self.timeout = timeout
        self.folder = Path(tempfile.mkdtemp(prefix="podium-bench-celery-"))
        self.process: subprocess.Popen | None = None
        self.module = None
        self.client: redis.Redis | None = None

    def start(self) -> None:
        ready = self.folder / "ready"
        env = {**os.environ, "BENCH_CELERY_BROKER": self.redis_url,
               "BENCH_CELERY_PREFIX": self.prefix, "BENCH_CELERY_READY_FILE": str(ready),
               "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        os.environ.update({"BENCH_CELERY_BROKER": self.redis_url,
                           "BENCH_CELERY_PREFIX": self.prefix})
        self.module = importlib.import_module("bench.celery_baseline")
        if self.module.PREFIX != self.prefix:  # imported before with other settings
            self.module = importlib.reload(self.module)
        log = open(self.folder / "worker.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bench.celery_baseline", "worker",
             "--pool", self.pool, "--concurrency", str(self.concurrency),
             "--queues", self.module.QUEUE,
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "WARNING", "--hostname", f"bench-{uuid.uuid4().hex[:6]}@%h"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 60
        while not ready.exists():
            if self.process.poll() is not None:
                raise BenchError(f"celery worker exited with {self.process.returncode}:\n"
                                 f"{self.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"celery worker not ready after 60s:\n{self.log_tail()}")
            time.sleep(0.05)
        self.client = redis.Redis.from_url(self.redis_url, socket_timeout=self.timeout + 10)
        say(f"celery: worker ready (pool={self.pool}, concurrency={self.concurrency}, "
            f"prefix {self.prefix!r})")

    def log_tail(self) -> str:
        path = self.folder / "worker.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-30:]) \
            if path.exists() else "(no log)"

    def _wait_for(self, key: str, timeout: float) -> float:
        popped = self.client.blpop([key], timeout=int(timeout) + 1)
        if popped is None:
            raise BenchError(f"celery: nothing on {key} after {timeout}s\n{self.log_tail()}")
        return float(popped[1])

    def chain_once(self) -> dict[str, float]:
        from celery import chain

        step = self.module.step
        key = f"{self.prefix}bench:done:{uuid.uuid4().hex}"
        workflow = chain(*[step.si() for _ in range(self.chain_steps - 1)], step.si(key))
        submitted = time.time()
        workflow.apply_async()
        ended = self._wait_for(key, self.timeout)
        return {"per_step_ms": ms(ended - submitted) / self.chain_steps,
                "submit_to_end_ms": ms(ended - submitted)}

    def single_once(self) -> dict[str, float]:
        key = f"{self.prefix}bench:start:{uuid.uuid4().hex}"
        before = time.time()
        self.module.mark.apply_async((key,))
        returned = time.time()
        started = self._wait_for(key, 30.0)
        return {"submit_to_start_ms": ms(started - before), "submit_call_ms": ms(returned - before)}

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.module is not None:
            try:
                self.module.app.close()
            except Exception:  # noqa: BLE001
                pass
        try:
            client = self.client or redis.Redis.from_url(self.redis_url, socket_timeout=10)
            deleted = delete_prefixed(client, self.prefix)
            client.close()
            say(f"celery: worker stopped, {deleted} Redis key(s) removed")
        except Exception as exc:  # noqa: BLE001
            say(f"celery: could not delete Redis keys {self.prefix}*: {exc}")
        shutil.rmtree(self.folder, ignore_errors=True)


# ---------------------------------------------------------------------------- machine
def machine_info(pg_admin_url: str, redis_url: str) -> dict[str, Any]:
    import celery

    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "celery": celery.__version__,
        "loadavg_at_start": [round(v, 2) for v in os.getloadavg()],
    }
    try:
        with psycopg.connect(pg_admin_url, connect_timeout=5) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # noqa: BLE001
        info["postgresql"] = f"unknown ({exc})"
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        info["redis"] = client.info("server").get("redis_version")
        client.close()
    except Exception as exc:  # noqa: BLE001
        info["redis"] = f"unknown ({exc})"
    return info


def check_services(pg_admin_url: str, redis_url: str) -> None:
    try:
        with psycopg.connect(pg_admin_url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        raise BenchError(f"PostgreSQL at {pg_admin_url} is not reachable: {exc}") from exc
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001
        raise BenchError(f"Redis at {redis_url} is not reachable: {exc}") from exc


# ---------------------------------------------------------------------------- main
def add_service_args(parser: argparse.ArgumentParser) -> None:
    """--pg-admin-url, --pg-host-url, --redis-url (shared with bench.throughput)."""
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "PODIUM_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="maintenance database used to create/drop the throwaway database")
    parser.add_argument("--pg-host-url", default=os.environ.get(
        "PODIUM_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"),
        help="SQLAlchemy URL of the server, without database name")
    parser.add_argument("--redis-url", default=os.environ.get(
        "PODIUM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true",
                        help="run every throughput workload instead (python -m bench.throughput "
                             "with the other arguments; see its --help)")
    parser.add_argument("--quick", action="store_true",
                        help="2 chain runs and 5 single submissions (a smoke run)")
    parser.add_argument("--chain-runs", type=int, default=None, help="chain runs (default 5)")
    parser.add_argument("--singles", type=int, default=None,
                        help="single-task submissions (default 20)")
    parser.add_argument("--steps", type=int, default=100, help="chain length (default 100)")
    parser.add_argument("--celery-pool", choices=["threads", "prefork", "solo"], default="threads",
                        help="pool of the Celery baseline worker (default threads, the pool of "
                             "Podium's worker and executor)")
    add_service_args(parser)
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds one chain run may take before the bench gives up")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    if args.chain_runs is None:
        args.chain_runs = 2 if args.quick else 5
    if args.singles is None:
        args.singles = 5 if args.quick else 20
    if args.steps < 2 or args.chain_runs < 1 or args.singles < 1:
        parser.error("--steps >= 2, --chain-runs >= 1, --singles >= 1")
    return args


def alternate(label: str, count: int, first: Callable[[], dict], second: Callable[[], dict],
              warmup: int) -> tuple[list[dict], list[dict]]:
    """A B A B ...; the first `warmup` pairs are not kept."""
    a_runs, b_runs = [], []
    for index in range(warmup + count):
        a, b = first(), second()
        if index >= warmup:
            a_runs.append(a)
            b_runs.append(b)
            say(f"{label} {index - warmup + 1}/{count}: podium {a[next(iter(a))]:.2f} ms, "
                f"celery {b[next(iter(b))]:.2f} ms")
    return a_runs, b_runs


def column(runs: list[dict], key: str) -> dict[str, Any]:
    return summary([run[key] for run in runs])


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def measure(args: argparse.Namespace, podium: PodiumSide, celery: CelerySide) -> dict[str, Any]:
    say(f"chains: {args.chain_runs} runs of {args.steps} steps each side (+1 warm-up)")
    p_chain, c_chain = alternate("chain", args.chain_runs, podium.chain_once, celery.chain_once,
                                 warmup=1)
    say(f"singles: {args.singles} submissions each side (+2 warm-up)")
    p_single, c_single = alternate("single", args.singles, podium.single_once,
                                   celery.single_once, warmup=2)
    p = {
        "per_step_ms": column(p_chain, "per_step_ms"),
        "submit_to_start_ms": column(p_single, "submit_to_start_ms"),
        "submit_to_running_ms": column(p_single, "submit_to_running_ms"),
        "submit_call_ms": column(p_single, "submit_call_ms"),
        "chain_submit_to_end_ms": column(p_chain, "submit_to_end_ms"),
        "per_step_breakdown_ms": {key: column(p_chain, key)["median"] for key in (
            "dispatch_to_worker_start_ms", "worker_run_ms", "worker_end_to_executor_decision_ms",
            "execution_created_to_first_dispatch_ms", "first_10_steps_ms", "last_10_steps_ms")},
        "config": {"executors": 1, "workers": 1, "worker_concurrency": 1,
                   "executor_concurrency": 8, "worker_pool": "threads (Settings default)",
                   "store": "postgresql", "log_level": "WARNING"},
    }
    c = {
        "per_step_ms": column(c_chain, "per_step_ms"),
        "submit_to_start_ms": column(c_single, "submit_to_start_ms"),
        "submit_call_ms": column(c_single, "submit_call_ms"),
        "chain_submit_to_end_ms": column(c_chain, "submit_to_end_ms"),
        "config": {"workers": 1, "pool": args.celery_pool, "concurrency": 1,
                   "chain": f"celery.chain of {args.steps} immutable signatures"},
    }
    return {"podium": p, "celery": c}


def pairwise_median(a: list[float], b: list[float]) -> float | None:
    """Median of the ratios of back-to-back pairs (run i of each side): robust to the
    machine's speed drifting during the run."""
    pairs = [x / y for x, y in zip(a, b) if y]
    return round(statistics.median(pairs), 2) if pairs else None


def chain_ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """Podium / Celery for the chain step and submit-to-start: medians, and pair by pair."""
    p, c = results["podium"], results["celery"]
    return {
        "per_step": ratio(p["per_step_ms"]["median"], c["per_step_ms"]["median"]),
        "submit_to_start": ratio(p["submit_to_start_ms"]["median"],
                                 c["submit_to_start_ms"]["median"]),
        "per_step_pairwise_median": pairwise_median(p["per_step_ms"]["runs"],
                                                    c["per_step_ms"]["runs"]),
        "submit_to_start_pairwise_median": pairwise_median(p["submit_to_start_ms"]["runs"],
                                                           c["submit_to_start_ms"]["runs"]),
    }


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--all" in argv:  # every workload of issue 19: bench.throughput
        from bench import throughput

        return throughput.main([arg for arg in argv if arg != "--all"])
    args = parse_args(argv)
    started = time.monotonic()
    tag = f"{int(time.time())}_{uuid.uuid4().hex[:6]}"
    # SIGTERM -> the same unwinding as Ctrl-C, so every finally below runs.
    signal.signal(signal.SIGTERM, _interrupt)
    podium = celery_side = None
    try:
        check_services(args.pg_admin_url, args.redis_url)
        machine = machine_info(args.pg_admin_url, args.redis_url)
        podium = PodiumSide(pg_admin_url=args.pg_admin_url, pg_host_url=args.pg_host_url,
                            redis_url=args.redis_url, tag=tag, chain_steps=args.steps,
                            timeout=args.timeout)
        celery_side = CelerySide(redis_url=args.redis_url, tag=tag, pool=args.celery_pool,
                                 chain_steps=args.steps, timeout=args.timeout)
        podium.start()
        celery_side.start()
        results = measure(args, podium, celery_side)
    except BenchError as exc:
        say(f"FAILED: {exc}")
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        for side in (celery_side, podium):
            if side is not None:
                side.close()

    machine["loadavg_at_end"] = [round(v, 2) for v in os.getloadavg()]
    p, c = results["podium"], results["celery"]
    ratios = chain_ratios(results)
    met = {"per_step_ratio": ratios["per_step"] is not None
           and ratios["per_step"] <= TARGETS["per_step_ratio_max"],
           "submit_to_start_median": p["submit_to_start_ms"]["median"]
           <= TARGETS["submit_to_start_median_ms_max"]}
    document = {
        **results, "ratios": ratios, "targets": TARGETS, "met": met, "machine": machine,
        "run": {"quick": args.quick, "chain_steps": args.steps, "chain_runs": args.chain_runs,
                "single_submissions": args.singles,
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "duration_s": round(time.monotonic() - started, 1)},
    }
    text = json.dumps(document, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"targets: per-step ratio {ratios['per_step']}x podium/celery "
          f"({p['per_step_ms']['median']} vs {c['per_step_ms']['median']} ms, max "
          f"{TARGETS['per_step_ratio_max']}x): {verdict(met['per_step_ratio'])}; "
          f"submit-to-start median {p['submit_to_start_ms']['median']} ms (max "
          f"{TARGETS['submit_to_start_median_ms_max']} ms; celery "
          f"{c['submit_to_start_ms']['median']} ms): {verdict(met['submit_to_start_median'])}"
          f"  [written to {args.output}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
