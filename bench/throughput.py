"""Every workload of issue 19 (throughput) beside raw Celery, in one run.

    .venv/bin/python -m bench.throughput [--quick] [--skip-huge] [--only chain,fanout,many,huge,queued]
    .venv/bin/python -m bench.run --all ...     # the same

Phases, each side by side with raw Celery on the same Redis, alternated A B A B:

1. chain + submit: `bench.run`'s own measurement (1 executor, 1 worker of concurrency 1
   against a Celery worker of concurrency 1): a 100-step chain per dependent step vs a
   `celery.chain`, and single submissions, submit -> first task start.
2. fanout: a ForEach over N items (default 1,000, `concurrencyLimit` --limit) followed by one
   Return task (the join), tasks/s = (N + 1) / (submit -> execution end), against a
   `celery.chord` of N trivial tasks and a callback, (N + 1) / (submit -> callback ran).
3. many: --many executions of a flow of --many-steps sequential Return tasks submitted at
   once (a loop of `submit()`), runs/s = count / (first submit -> last end) and the p50 of
   each execution's submit -> end, against --many `celery.chain`s of as many tasks.
   The same workload on a second fleet with 2 executors, alternated with the first
   (issue 19's scale-out figure: runs/s with 2 executors / with 1).
4. huge: `bench.foreach.run_podium` for --huge items (default 100,000) and for --fanout
   items, each on a fresh fleet: per-item cost ratio and the executor's peak RSS (VmHWM).
5. queued: --queued executions (default 10,000) of the --many-steps flow submitted at once
   on a fresh fleet: runs/s, and the executor's and the worker's peak RSS (Podium only).
   Long: --skip-huge leaves out this phase and the previous one.

Phases 2 and 3 use 1 worker of concurrency 8 on both sides. The load average is read before
and after each phase. Prints the JSON document and writes bench/results/throughput-latest.json
(see bench/README.md). Removes what it created, also on errors, Ctrl-C and SIGTERM.
A measurement, not a test: exit 0 whatever the figures are (2 when a step failed).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import text

from bench import cpu, foreach, run
from bench.run import BenchError, CelerySide, PodiumSide, pairwise_median, ratio, say, summary
from bench.verdict import TARGETS, headline

RESULTS = Path(__file__).resolve().parent / "results"
FANOUT_FLOW = "fanout"
WARM_FANOUT_FLOW = "fanout_warm"
MANY_FLOW = "many"
CONCURRENCY = 8
WORKLOADS = ("chain", "fanout", "many", "huge", "queued")
TERMINATED = ("SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED")

def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


# ---------------------------------------------------------------------------- flows
def fanout_flow_yaml(flow_id: str, size: int, limit: int) -> str:
    """bench.foreach's ForEach, then a join task that runs once every item is done."""
    return (foreach.foreach_flow_yaml(flow_id, size, limit)
            + "  - id: join\n    type: io.kestra.plugin.core.debug.Return\n"
              '    format: "joined"\n')


def sequential_flow_yaml(flow_id: str, steps: int) -> str:
    lines = [f"id: {flow_id}", f"namespace: {run.NAMESPACE}", "tasks:"]
    for index in range(1, steps + 1):
        lines += [f"  - id: s{index}", "    type: io.kestra.plugin.core.debug.Return",
                  f'    format: "step {index}"']
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- Podium
def podium_fanout(side: PodiumSide, flow_id: str, size: int) -> dict[str, float]:
    before = time.time()
    execution = side.runtime.submit(foreach.NAMESPACE, flow_id)
    execution = side._finished(execution.id, side.timeout, poll=0.05)
    wall = execution.history.end_date.timestamp() - before
    return {"tasks_per_s": (size + 1) / wall, "wall_s": wall}


def _ended(side: PodiumSide, ids: list[str]) -> int:
    with side.runtime.db.read() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM executions WHERE id = ANY(:ids) AND state = ANY(:done)"),
            {"ids": ids, "done": list(TERMINATED)}).scalar_one()


def podium_many(side: PodiumSide, count: int, poll: float = 0.05) -> dict[str, float]:
    """`count` executions submitted back to back; polls the store until all have ended
    (every `poll` seconds: a count over 10,000 ids is no free look)."""
    submitted: dict[str, float] = {}
    first = time.time()
    for _ in range(count):
        before = time.time()
        submitted[side.runtime.submit(run.NAMESPACE, MANY_FLOW).id] = before
    submit_loop = time.time() - first
    ids = list(submitted)
    deadline = time.monotonic() + side.timeout
    while _ended(side, ids) < count:
        if time.monotonic() > deadline:
            raise BenchError(f"podium: {count - _ended(side, ids)} of {count} executions "
                             f"not ended after {side.timeout}s\n{side.log_tail()}")
        time.sleep(poll)
    ends: dict[str, float] = {}
    for execution_id in ids:
        execution = side.runtime.get(execution_id)
        if execution is None or execution.state.value != "SUCCESS":
            raise BenchError(f"podium: execution {execution_id} ended "
                             f"{execution.state.value if execution else 'missing'}")
        ends[execution_id] = execution.history.end_date.timestamp()
    wall = max(ends.values()) - first
    return {"runs_per_s": count / wall, "wall_s": wall, "submit_loop_s": submit_loop,
            "submit_to_done_p50_ms": run.ms(statistics.median(
                ends[i] - submitted[i] for i in ids))}


# ---------------------------------------------------------------------------- Celery
def celery_chord(side: CelerySide, size: int) -> dict[str, float]:
    from celery import chord

    key = f"{side.prefix}bench:chord:{uuid.uuid4().hex}"
    workflow = chord((side.module.part.si() for _ in range(size)), side.module.mark.si(key))
    before = time.time()
    workflow.apply_async()
    wall = side._wait_for(key, side.timeout) - before
    return {"tasks_per_s": (size + 1) / wall, "wall_s": wall}


def celery_many(side: CelerySide, count: int, steps: int) -> dict[str, float]:
    from celery import chain

    step = side.module.step
    keys = [f"{side.prefix}bench:many:{uuid.uuid4().hex}" for _ in range(count)]
    submitted: list[float] = []
    first = time.time()
    for key in keys:
        submitted.append(time.time())
        chain(*[step.si() for _ in range(steps - 1)], step.si(key)).apply_async()
    submit_loop = time.time() - first
    deadline = time.monotonic() + side.timeout
    ends = [side._wait_for(key, max(1.0, deadline - time.monotonic())) for key in keys]
    wall = max(ends) - first
    return {"runs_per_s": count / wall, "wall_s": wall, "submit_loop_s": submit_loop,
            "submit_to_done_p50_ms": run.ms(statistics.median(
                end - start for end, start in zip(ends, submitted)))}


# ---------------------------------------------------------------------------- phases
def alternate(label: str, rounds: int, sides: dict[str, Callable[[], dict]],
              warmups: dict[str, Callable[[], Any]]) -> dict[str, list[dict]]:
    """One warm-up each, then `rounds` rounds of every side in turn (A B A B ...)."""
    for warm in warmups.values():
        warm()
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    for index in range(rounds):
        for name, once in sides.items():
            runs[name].append(once())
        say(f"{label} {index + 1}/{rounds}: " + ", ".join(
            f"{name} {runs[name][-1][next(iter(runs[name][-1]))]:.2f}" for name in sides))
    return runs


def columns(runs: list[dict]) -> dict[str, Any]:
    return {key: summary([run[key] for run in runs]) for key in runs[0]}


def phase_chain(args: argparse.Namespace, tag: str) -> dict[str, Any]:
    podium = PodiumSide(pg_admin_url=args.pg_admin_url, pg_host_url=args.pg_host_url,
                        redis_url=args.redis_url, tag=f"{tag}_c", chain_steps=args.steps,
                        timeout=args.timeout)
    celery = CelerySide(redis_url=args.redis_url, tag=f"{tag}_c", pool="threads",
                        chain_steps=args.steps, timeout=args.timeout)
    try:
        podium.start()
        celery.start()
        results = run.measure(argparse.Namespace(chain_runs=args.chain_runs, steps=args.steps,
                                             singles=args.singles, celery_pool="threads"),
                          podium, celery)
    finally:
        celery.close()
        podium.close()
    return {**results, "ratios": run.chain_ratios(results)}


def start_pair(args: argparse.Namespace, tag: str) -> tuple[dict[str, PodiumSide], CelerySide]:
    from podium.common.flow.loader import parse_flow

    fleets = {"podium": 1, "podium_2x": 2} if "many" in args.only else {"podium": 1}
    podiums = {name: PodiumSide(pg_admin_url=args.pg_admin_url, pg_host_url=args.pg_host_url,
                                redis_url=args.redis_url, tag=f"{tag}_{name}", chain_steps=2,
                                timeout=args.timeout, executors=executors,
                                worker_concurrency=CONCURRENCY)
               for name, executors in fleets.items()}
    os.environ["BENCH_CELERY_BACKEND"] = args.redis_url  # the chord's join needs one
    celery = CelerySide(redis_url=args.redis_url, tag=f"{tag}_b", pool="threads",
                        chain_steps=2, timeout=args.timeout, concurrency=CONCURRENCY)
    flows = [(fanout_flow_yaml(FANOUT_FLOW, args.fanout, args.limit), "fanout.yaml"),
             (fanout_flow_yaml(WARM_FANOUT_FLOW, 10, args.limit), "warm.yaml"),
             (sequential_flow_yaml(MANY_FLOW, args.many_steps), "many.yaml")]
    try:
        for side in podiums.values():
            side.start()
            for source, name in flows:
                side.runtime.deploy(parse_flow(source, name=name))
        celery.start()
    except BaseException:
        celery.close()
        for side in podiums.values():
            side.close()
        raise
    return podiums, celery


def celery_roles(side: CelerySide) -> dict[str, list[int]]:
    return {"worker": [side.process.pid]} if side.process else {}


def executor_rss_mb(side: PodiumSide) -> list[float | None]:
    peaks = [foreach.proc_status(pid).get("VmHWM") for name, pid in side.pids().items()
             if name.startswith("executor")]
    return [round(kb / 1024, 1) if kb else None for kb in peaks]


def phase_bulk(args: argparse.Namespace, tag: str) -> dict[str, Any]:
    podiums, celery = start_pair(args, tag)
    one = podiums["podium"]
    out: dict[str, Any] = {}
    try:
        if "fanout" in args.only:
            tasks = args.fanout + 1
            runs = alternate(
                f"fanout {args.fanout}", args.rounds,
                {"podium": cpu.metered(lambda: podium_fanout(one, FANOUT_FLOW, args.fanout),
                                       lambda: cpu.podium_roles(one.pids()), tasks),
                 "celery": cpu.metered(lambda: celery_chord(celery, args.fanout),
                                       lambda: celery_roles(celery), tasks)},
                {"podium": lambda: podium_fanout(one, WARM_FANOUT_FLOW, 10),
                 "celery": lambda: celery_chord(celery, 10)})
            p, c = runs["podium"], runs["celery"]
            rate = [r["tasks_per_s"] for r in p], [r["tasks_per_s"] for r in c]
            out["fanout"] = {"podium": columns(p), "celery": columns(c), "ratios": {
                "tasks_per_s": ratio(statistics.median(rate[0]), statistics.median(rate[1])),
                "tasks_per_s_pairwise_median": pairwise_median(*rate)}}
        if "many" in args.only:
            sides = {name: cpu.metered(lambda s=side: podium_many(s, args.many),
                                       lambda s=side: cpu.podium_roles(s.pids()), args.many)
                     for name, side in podiums.items()}
            sides["celery"] = cpu.metered(
                lambda: celery_many(celery, args.many, args.many_steps),
                lambda: celery_roles(celery), args.many)
            warm = {name: (lambda s=side: podium_many(s, 5)) for name, side in podiums.items()}
            warm["celery"] = lambda: celery_many(celery, 5, args.many_steps)
            runs = alternate(f"many {args.many}x{args.many_steps}", args.rounds, sides, warm)
            rate = {name: [r["runs_per_s"] for r in value] for name, value in runs.items()}
            out["many"] = {**{name: columns(value) for name, value in runs.items()}, "ratios": {
                "runs_per_s": ratio(statistics.median(rate["podium"]),
                                    statistics.median(rate["celery"])),
                "runs_per_s_pairwise_median": pairwise_median(rate["podium"], rate["celery"]),
                "two_executors_vs_one": ratio(statistics.median(rate["podium_2x"]),
                                              statistics.median(rate["podium"])),
                "two_executors_vs_one_pairwise_median": pairwise_median(rate["podium_2x"],
                                                                        rate["podium"]),
                "two_executors_vs_celery": ratio(statistics.median(rate["podium_2x"]),
                                                 statistics.median(rate["celery"]))}}
        out["executor_peak_rss_mb"] = {name: executor_rss_mb(side)
                                       for name, side in podiums.items()}
    finally:
        celery.close()
        for side in podiums.values():
            side.close()
        os.environ.pop("BENCH_CELERY_BACKEND", None)
    return out


def phase_huge(args: argparse.Namespace) -> dict[str, Any]:
    sizes = {}
    for size in (args.fanout, args.huge):
        timeout = args.huge_timeout or foreach.default_timeout(size)
        say(f"huge: ForEach of {size} items (fresh fleet, timeout {timeout:.0f}s)")
        sizes[str(size)] = foreach.run_podium(size, args.limit, timeout)
        say(f"huge: {size} items: {sizes[str(size)]['per_item_ms']} ms/item, executor peak "
            f"RSS {sizes[str(size)]['executor_peak_rss_mb']} MB")
    small, large = sizes[str(args.fanout)], sizes[str(args.huge)]
    return {"sizes": sizes, "per_item_vs_small": ratio(large["per_item_ms"],
                                                       small["per_item_ms"]),
            "complete": bool(small["complete"] and large["complete"])}


def phase_queued(args: argparse.Namespace, tag: str) -> dict[str, Any]:
    """`--queued` executions of the 5-task flow submitted at once on a fresh fleet (1
    executor, 1 worker of concurrency 8): how long they take, and the services' peak RSS
    (the issue's memory target: bounded under 10,000 queued executions)."""
    side = PodiumSide(pg_admin_url=args.pg_admin_url, pg_host_url=args.pg_host_url,
                      redis_url=args.redis_url, tag=f"{tag}_queued", chain_steps=2,
                      timeout=max(args.timeout, 0.2 * args.queued), executors=1,
                      worker_concurrency=CONCURRENCY)
    from podium.common.flow.loader import parse_flow

    try:
        side.start()
        side.runtime.deploy(parse_flow(sequential_flow_yaml(MANY_FLOW, args.many_steps),
                                       name="many.yaml"))
        podium_many(side, 5)  # warm-up
        say(f"queued: {args.queued} executions of {args.many_steps} tasks at once")
        result = podium_many(side, args.queued, poll=1.0)
        peaks = {name: foreach.proc_status(pid).get("VmHWM")
                 for name, pid in side.pids().items()}
    finally:
        side.close()
    result["peak_rss_mb"] = {name: round(kb / 1024, 1) if kb else None
                             for name, kb in peaks.items()}
    say(f"queued: {result['runs_per_s']:.1f} runs/s, peak RSS {result['peak_rss_mb']}")
    return {"executions": args.queued, **result}


# ---------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke sizes: 10-step chains, 20 items, 5 executions, 2 rounds")
    parser.add_argument("--skip-huge", action="store_true", help="leave out the huge ForEach")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help=f"comma-separated phases among {','.join(WORKLOADS)}")
    parser.add_argument("--rounds", type=int, default=None, help="alternated rounds (3)")
    parser.add_argument("--chain-runs", type=int, default=None, help="chain runs (5)")
    parser.add_argument("--singles", type=int, default=None, help="single submissions (20)")
    parser.add_argument("--steps", type=int, default=None, help="chain length (100)")
    parser.add_argument("--fanout", type=int, default=None, help="ForEach / chord size (1000)")
    parser.add_argument("--limit", type=int, default=100, help="the ForEach's concurrencyLimit")
    parser.add_argument("--many", type=int, default=None, help="executions at once (200)")
    parser.add_argument("--many-steps", type=int, default=5, help="tasks per execution (5)")
    parser.add_argument("--queued", type=int, default=None,
                        help="executions submitted at once for the memory check (10000)")
    parser.add_argument("--huge", type=int, default=None, help="huge ForEach size (100000)")
    parser.add_argument("--huge-timeout", type=float, default=None,
                        help="seconds per huge size (default max(120, 0.06 x N))")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds one measured run may take")
    parser.add_argument("--synchronous-commit", choices=("on", "off"), default="on",
                        help="Podium's database.synchronous_commit (on: every commit waits "
                             "for the disk flush, the default)")
    run.add_service_args(parser)
    parser.add_argument("--output", type=Path, default=RESULTS / "throughput-latest.json")
    args = parser.parse_args(argv)
    quick = {"rounds": 2, "chain_runs": 2, "singles": 5, "steps": 10, "fanout": 20, "many": 5,
             "huge": 200, "queued": 20}
    full = {"rounds": 3, "chain_runs": 5, "singles": 20, "steps": 100, "fanout": 1000,
            "many": 200, "huge": 100_000, "queued": 10_000}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    if args.skip_huge:  # the two long memory phases
        args.only = [name for name in args.only if name not in ("huge", "queued")]
    if set(args.only) - set(WORKLOADS) or not args.only:
        parser.error(f"--only: among {','.join(WORKLOADS)}")
    if min(args.rounds, args.chain_runs, args.singles, args.fanout, args.many,
           args.queued) < 1 \
            or args.steps < 2 or args.many_steps < 1:
        parser.error("sizes and counts >= 1, --steps >= 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    tag = f"{int(time.time())}_{uuid.uuid4().hex[:6]}"
    signal.signal(signal.SIGTERM, run._interrupt)
    # Read by Settings() here and by the fleet's processes, which inherit the environment.
    os.environ["PODIUM_DATABASE__SYNCHRONOUS_COMMIT"] = \
        "true" if args.synchronous_commit == "on" else "false"
    workloads: dict[str, Any] = {}
    loads: dict[str, Any] = {}
    failure = None
    try:
        run.check_services(args.pg_admin_url, args.redis_url)
        machine = run.machine_info(args.pg_admin_url, args.redis_url)
        code_at_start = foreach.code_version()
        phases: list[tuple[str, Callable[[], dict[str, Any]]]] = []
        if "chain" in args.only:
            phases.append(("chain", lambda: phase_chain(args, tag)))
        if {"fanout", "many"} & set(args.only):
            phases.append(("bulk", lambda: phase_bulk(args, tag)))
        if "huge" in args.only:
            phases.append(("huge", lambda: phase_huge(args)))
        if "queued" in args.only:
            phases.append(("queued", lambda: phase_queued(args, tag)))
        for name, phase in phases:
            before = load()
            say(f"phase {name} (load {before})")
            result = phase()
            loads[name] = {"before": before, "after": load()}
            if name == "bulk":
                workloads.update({k: v for k, v in result.items() if k != "executor_peak_rss_mb"})
                workloads["bulk_executor_peak_rss_mb"] = result["executor_peak_rss_mb"]
            else:
                workloads[name] = result
    except BenchError as exc:
        say(f"FAILED: {exc}")
        failure = str(exc)
        if not workloads:
            return 2
    except KeyboardInterrupt:
        say("interrupted")
        if not workloads:
            return 130
        failure = "interrupted"
    machine["loadavg_at_end"] = load()
    document = {
        **headline(workloads), "targets": TARGETS, "workloads": workloads,
        "machine": {**machine, "loadavg_by_phase": loads},
        "config": {"podium": {"chain": "1 executor, 1 worker of concurrency 1 (bench.run)",
                              "bulk": f"1 executor (and 2 for podium_2x), 1 worker of "
                                      f"concurrency {CONCURRENCY}, ForEach concurrencyLimit "
                                      f"{args.limit}",
                              "synchronous_commit": args.synchronous_commit},
                   "celery": {"chain": "1 worker, threads pool, concurrency 1",
                              "bulk": f"1 worker, threads pool, concurrency {CONCURRENCY}, "
                                      f"Redis result backend (the chord's join)"}},
        "code": {"at_start": code_at_start, "at_end": foreach.code_version()},
        "run": {"args": {k: (str(v) if isinstance(v, Path) else v)
                         for k, v in vars(args).items() if "url" not in k},
                "failure": failure,
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "duration_s": round(time.monotonic() - started, 1)},
    }
    out = json.dumps(document, indent=2)
    print(out)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(out + "\n")
    print(f"figures: {json.dumps(document['figures'])}\nmet: {json.dumps(document['met'])}"
          f"\nload: {json.dumps(loads)}  [written to {args.output}]")
    return 0 if failure is None else 2


if __name__ == "__main__":
    sys.exit(main())
