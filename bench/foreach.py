"""One wide ForEach on Podium's distributed path against a raw Celery group, by size.

    .venv/bin/python -m bench.foreach [--sizes 1000,10000] [--limit 100]

For each size N, in one run:

* Podium: a fresh throwaway deployment (`podium.testing.sandbox.throwaway_deployment`: its own
  PostgreSQL database and Redis key prefix) with 1 `podium executor` and 1 `podium worker`
  (concurrency 8) started by `Runtime.distributed`, `PODIUM_LOG_LEVEL=WARNING`. One flow:
  a ForEach over `{{ range(1, N) }}` (inclusive: N values) with `concurrencyLimit` =
  --limit and one `io.kestra.plugin.core.debug.Return` child. Wall time = end - start of
  the execution's state history; per item = wall / N; the executor process's peak RSS
  (VmHWM of /proc/<pid>/status, a fresh process per size, so the mark is this size's).
* Celery: a `celery.group` of N trivial tasks (`bench.celery_baseline.step`, each pushing
  the time it ran into a Redis list) sent to one `celery worker` (threads pool,
  concurrency 8, the delivery settings of Podium's transport) on the same Redis.
  Wall time = last task ran - just before `apply_async`.

Each size has a timeout (default max(120 s, 60 ms x N)); on timeout the figures say what was
reached (items done / N, from the store or the Redis list) instead of hanging. It prints one
JSON document, also written to bench/results/foreach-latest.json. Everything it created is
removed at the end (processes, databases, Redis keys, temporary folders), also on Ctrl-C,
SIGTERM and errors. A measurement, not a test: exit 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.run import BenchError, CelerySide, _interrupt, check_services, machine_info, say

RESULTS = Path(__file__).resolve().parent / "results"
NAMESPACE = "bench.foreach"
CHILD = "item"
WORKER_CONCURRENCY = 8
CELERY_POLL = 0.02
PODIUM_POLL = 0.2


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def code_version() -> dict[str, Any]:
    """The commit and the uncommitted paths of the work tree the services run from (the
    executor and worker import it at their start: an edit during a run is not measured)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent.parent,
                                  capture_output=True, text=True, timeout=10).stdout.rstrip("\n")
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"git_head": git("rev-parse", "HEAD").strip() or None,
            "uncommitted": [line[3:] for line in git("status", "--porcelain").splitlines()]}


def default_timeout(size: int) -> float:
    return max(120.0, 0.06 * size)


def foreach_flow_yaml(flow_id: str, size: int, limit: int) -> str:
    return (f"id: {flow_id}\nnamespace: {NAMESPACE}\n"
            f"description: one ForEach over {size} values (benchmark)\n"
            "tasks:\n"
            "  - id: each\n"
            "    type: io.kestra.plugin.core.flow.ForEach\n"
            f'    values: "{{{{ range(1, {size}) }}}}"\n'
            f"    concurrencyLimit: {limit}\n"
            "    tasks:\n"
            f"      - id: {CHILD}\n"
            "        type: io.kestra.plugin.core.debug.Return\n"
            '        format: "{{ taskrun.value }}"\n')


def proc_status(pid: int) -> dict[str, int]:
    """VmHWM / VmRSS in kB, and CPU seconds (utime + stime) of a live process."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                found[name] = int(value.split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        found["cpu_ticks"] = int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        pass
    return found


def completion_slopes(ends: list[float]) -> dict[str, float | None]:
    """ms per item over the first and the last 10% of completions (sorted end times, s):
    a growth from first to last means an item costs more as the execution grows."""
    if len(ends) < 20:
        return {"per_item_ms_first_10pct": None, "per_item_ms_last_10pct": None}
    tenth = len(ends) // 10
    return {"per_item_ms_first_10pct": ms((ends[tenth] - ends[0]) / tenth),
            "per_item_ms_last_10pct": ms((ends[-1] - ends[-1 - tenth]) / tenth)}


# ---------------------------------------------------------------------------- Podium
def run_podium(size: int, limit: int, timeout: float) -> dict[str, Any]:
    """A fresh deployment + fleet for this size; the ForEach execution; everything removed."""
    from podium.common.flow.loader import parse_flow
    from podium.runtime import Runtime
    from podium.testing.sandbox import throwaway_deployment

    data_dir = Path(tempfile.mkdtemp(prefix="podium-bench-foreach-"))
    runtime = None
    try:
        with throwaway_deployment({"PODIUM_DATA_DIR": str(data_dir)}) as (settings, env):
            say(f"podium N={size}: database/prefix {env['PODIUM_BROKER__KEY_PREFIX']!r}")
            saved_env = {name: os.environ.get(name) for name in env}
            os.environ.update(env)  # Settings() in this process reads the environment too
            try:
                began = time.monotonic()
                runtime = Runtime.distributed(settings, env, executors=1, workers=1,
                                              worker_concurrency=WORKER_CONCURRENCY)
                say(f"podium N={size}: executor + worker ready in "
                    f"{time.monotonic() - began:.1f}s")
                return _measure_podium(runtime, parse_flow, size, limit, timeout)
            finally:
                fleet_folder = runtime.fleet.folder if runtime and runtime.fleet else None
                if runtime is not None:
                    try:
                        runtime.close()
                    except Exception as exc:  # noqa: BLE001 - cleanup goes on
                        say(f"podium: runtime close failed: {exc}")
                    try:
                        runtime.transport.close()
                    except Exception:  # noqa: BLE001
                        pass
                if fleet_folder:
                    shutil.rmtree(fleet_folder, ignore_errors=True)
                for name, value in saved_env.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        # leaving the with block dropped the database and the prefix's Redis keys
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _child_progress(runtime, execution_id: str) -> tuple[int, int]:
    """(child task runs SUCCESS, child task runs existing) from the store."""
    with runtime.db.read() as conn:
        rows = conn.execute(text(
            "SELECT state, count(*) FROM task_runs WHERE execution_id = :id AND task_id = :t "
            "GROUP BY state"), {"id": execution_id, "t": CHILD}).all()
    counts = {state: count for state, count in rows}
    return counts.get("SUCCESS", 0), sum(counts.values())


def _child_end_times(runtime, execution_id: str) -> list[float]:
    with runtime.db.read() as conn:
        rows = conn.execute(text(
            "SELECT updated FROM task_runs WHERE execution_id = :id AND task_id = :t "
            "AND state = 'SUCCESS' ORDER BY updated"), {"id": execution_id, "t": CHILD}).all()
    return [row[0].timestamp() for row in rows]


def _measure_podium(runtime, parse_flow, size: int, limit: int, timeout: float) -> dict[str, Any]:
    executor_pid = next(p.pid for role, p, _ in runtime.fleet.processes if role == "executor")
    # Warm-up: a 10-value ForEach, so the first-message costs (imports, flow parse, pools)
    # are not in the figure.
    runtime.deploy(parse_flow(foreach_flow_yaml("warmup", 10, limit), name="warmup.yaml"))
    warm = runtime.submit(NAMESPACE, "warmup")
    warm = runtime.wait(warm.id, timeout=60, poll=0.05)
    if warm.state.value != "SUCCESS":
        raise BenchError(f"podium: warm-up ended {warm.state.value}\n{runtime.fleet.log_tail(30)}")
    flow_id = f"foreach_{size}"
    runtime.deploy(parse_flow(foreach_flow_yaml(flow_id, size, limit), name=f"{flow_id}.yaml"))
    cpu_before = proc_status(executor_pid).get("cpu_ticks")

    submitted = time.time()
    execution = runtime.submit(NAMESPACE, flow_id)
    deadline = time.monotonic() + timeout
    next_report = time.monotonic() + 15
    while True:
        current = runtime.get(execution.id)
        if current is not None and current.state.is_terminated:
            break
        if time.monotonic() > deadline:
            break
        if time.monotonic() >= next_report:
            done, existing = _child_progress(runtime, execution.id)
            status = proc_status(executor_pid)
            say(f"podium N={size}: {done}/{size} done ({existing} created) after "
                f"{time.time() - submitted:.0f}s, executor RSS "
                f"{status.get('VmRSS', 0) / 1024:.0f} MB")
            next_report = time.monotonic() + 15
        time.sleep(PODIUM_POLL)
    observed = time.time()
    status = proc_status(executor_pid)  # before the fleet stops
    ticks = os.sysconf("SC_CLK_TCK")
    done, existing = _child_progress(runtime, execution.id)
    ends = _child_end_times(runtime, execution.id)
    finished = current is not None and current.state.is_terminated
    history = current.history if current is not None else None
    if finished:
        wall = (history.end_date - history.start_date).total_seconds()
    else:
        start = history.start_date.timestamp() if history else submitted
        wall = observed - start
    result: dict[str, Any] = {
        "state": current.state.value if current is not None else None,
        "complete": finished and current.state.value == "SUCCESS" and done == size,
        "timed_out": not finished,
        "items_done": done,
        "items_created": existing,
        "wall_s": round(wall, 3),
        # On a timeout: elapsed / items done so far (a lower bound: the items left cost more).
        "per_item_ms": ms(wall / done) if done else None,
        "submit_to_end_s": round(history.end_date.timestamp() - submitted, 3)
        if finished else None,
        "executor_peak_rss_mb": round(status["VmHWM"] / 1024, 1) if "VmHWM" in status else None,
        "executor_cpu_s": round((status["cpu_ticks"] - cpu_before) / ticks, 2)
        if cpu_before is not None and "cpu_ticks" in status else None,
        **completion_slopes(ends),
    }
    if not finished:
        result["timeout_s"] = timeout
        say(f"podium N={size}: TIMEOUT after {timeout:.0f}s: {done}/{size} items done")
    elif not result["complete"]:
        say(f"podium N={size}: ended {current.state.value} with {done}/{size} items done\n"
            f"{runtime.fleet.log_tail(20)}")
    return result


# ---------------------------------------------------------------------------- Celery
class CelerySideN(CelerySide):
    """bench.run's Celery side (same app, same worker startup), with a group of N tasks."""

    def group_once(self, size: int, timeout: float) -> dict[str, Any]:
        from celery import group

        key = f"{self.prefix}bench:group:{uuid.uuid4().hex}"
        workflow = group(self.module.step.si(key) for _ in range(size))
        submitted = time.time()
        workflow.apply_async()
        sent = time.time()
        deadline = time.monotonic() + timeout
        done = 0
        while time.monotonic() <= deadline:
            done = self.client.llen(key)
            if done >= size:
                break
            time.sleep(CELERY_POLL)
        ends = sorted(float(v) for v in self.client.lrange(key, 0, -1))
        self.client.delete(key)
        done = len(ends)
        finished = done >= size
        wall = (ends[-1] if finished else time.time()) - submitted
        result = {
            "complete": finished, "timed_out": not finished, "items_done": done,
            "wall_s": round(wall, 3), "per_item_ms": ms(wall / done) if done else None,
            "apply_async_s": round(sent - submitted, 3), **completion_slopes(ends),
        }
        if not finished:
            result["timeout_s"] = timeout
            say(f"celery N={size}: TIMEOUT after {timeout:.0f}s: {done}/{size} tasks ran")
        return result


# ---------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.foreach",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated ForEach sizes (default 1000,10000)")
    parser.add_argument("--limit", type=int, default=100,
                        help="the ForEach's concurrencyLimit (default 100)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds each size may take, per side (default max(120, 0.06 x N))")
    parser.add_argument("--redis-url", default=os.environ.get(
        "PODIUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="Redis of the Celery baseline (Podium's comes from podium.testing.sandbox: "
             "PODIUM_TEST_REDIS_URL)")
    parser.add_argument("--output", type=Path, default=RESULTS / "foreach-latest.json")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes: comma-separated integers")
    if not args.sizes or min(args.sizes) < 1 or args.limit < 0:
        parser.error("--sizes >= 1, --limit >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    tag = f"{int(time.time())}_{uuid.uuid4().hex[:6]}"
    signal.signal(signal.SIGTERM, _interrupt)
    from podium.testing.sandbox import ADMIN_URL

    pg_admin = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    sizes: dict[str, Any] = {}
    celery_side = None
    code_at_start: dict[str, Any] = {}
    try:
        check_services(pg_admin, args.redis_url)
        machine = machine_info(pg_admin, args.redis_url)
        code_at_start = code_version()
        celery_side = CelerySideN(concurrency=WORKER_CONCURRENCY, redis_url=args.redis_url,
                                  tag=f"foreach_{tag}", pool="threads", chain_steps=2,
                                  timeout=600.0)
        celery_side.start()
        celery_side.group_once(100, 60.0)  # warm-up, not counted
        for size in args.sizes:
            timeout = args.timeout or default_timeout(size)
            say(f"N={size}: podium (timeout {timeout:.0f}s)")
            podium = run_podium(size, args.limit, timeout)
            say(f"N={size}: podium {podium['wall_s']}s, {podium['per_item_ms']} ms/item, "
                f"executor peak RSS {podium['executor_peak_rss_mb']} MB; celery")
            celery = celery_side.group_once(size, timeout)
            say(f"N={size}: celery {celery['wall_s']}s, {celery['per_item_ms']} ms/item")
            ratio = round(podium["per_item_ms"] / celery["per_item_ms"], 2) \
                if podium["per_item_ms"] and celery["per_item_ms"] else None
            sizes[str(size)] = {"podium": podium, "celery": celery, "ratio": ratio}
    except BenchError as exc:
        say(f"FAILED: {exc}")
        if not sizes:
            return 2
    except KeyboardInterrupt:
        say("interrupted")
        if not sizes:
            return 130
    finally:
        if celery_side is not None:
            celery_side.close()

    measured = [int(n) for n in sizes if sizes[n]["podium"]["per_item_ms"]]
    flat = None
    if len(measured) >= 2:
        small, large = sizes[str(min(measured))]["podium"], sizes[str(max(measured))]["podium"]
        flat = round(large["per_item_ms"] / small["per_item_ms"], 2)
    machine["loadavg_at_end"] = [round(v, 2) for v in os.getloadavg()]
    document = {
        "sizes": sizes,
        # Podium per-item cost, largest size / smallest: 1.0 = flat; a size that timed out
        # counts with its lower bound (elapsed / items done), see flat_complete.
        "flat": flat,
        "flat_complete": all(sizes[str(n)]["podium"]["complete"] for n in measured)
        if flat is not None else None,
        "config": {
            "podium": {"executors": 1, "executor_concurrency": 2, "workers": 1,
                       "worker_concurrency": WORKER_CONCURRENCY, "log_level": "WARNING",
                       "store": "postgresql", "concurrency_limit": args.limit,
                       "flow": "ForEach values \"{{ range(1, N) }}\" (inclusive) -> 1 Return"},
            "celery": {"workers": 1, "pool": "threads", "concurrency": WORKER_CONCURRENCY,
                       "workflow": "celery.group of N immutable bench.step signatures"},
            "timeouts_s": {str(n): args.timeout or default_timeout(n) for n in args.sizes},
        },
        "machine": machine,
        "code": {"at_start": code_at_start, "at_end": code_version()},
        "run": {"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "duration_s": round(time.monotonic() - started, 1)},
    }
    text_out = json.dumps(document, indent=2)
    print(text_out)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text_out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
