"""Where does one Podium chain step go? py-spy on the executor and worker processes.

    .venv/bin/pip install py-spy          # once; not a project dependency
    .venv/bin/python -m bench.profile_executor [--runs 3] [--steps 100] [--rate 500]

Same deployment as `bench.run` (1 executor + 1 worker, throwaway database, unique Redis
prefix), one warm-up chain, then `--runs` chains while ``py-spy record --idle`` samples both
service processes. Idle samples are kept on purpose: a thread waiting on PostgreSQL or Redis
is where the wall time goes. Only samples inside the services' message handlers are
attributed to phases; the result is milliseconds of handler wall time per chain step (the
executor handles about one message per step: the task's result).

Prints a JSON report (and writes bench/results/profile.json); the raw collapsed stacks are
kept in bench/results/profile-<role>.txt for a flame graph (e.g. with inferno/flamegraph.pl).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from bench.run import RESULTS, BenchError, PodiumSide, say
from bench.run import parse_args as run_args

# Phases: a stack sample inside the handler belongs to the first phase (in list order) whose
# marker is a substring of one of its frames below the handler (py-spy frames read
# "Class.function (path/file.py)" once line numbers are stripped).
EXECUTOR_HANDLER = "ExecutorService.handle_batch ("
WORKER_HANDLER = "WorkerService.handle ("
EXECUTOR_PHASES = [
    ("decode message", "decode_executor_message ("),
    ("pool checkout", "_ConnectionFairy._checkout ("),
    ("COMMIT (waits for the WAL flush)", "Transaction.commit ("),
    ("lock_and_bump_execution (UPDATE .. RETURNING + parse)", "lock_and_bump_execution ("),
    ("flow cache", "FlowCache.get ("),
    ("load_live_task_runs (SELECT the live runs + parse)", "load_live_task_runs ("),
    ("persist: update_execution", "update_execution ("),
    ("persist: insert_task_runs", "insert_task_runs ("),
    ("persist: update_task_runs", "update_task_runs ("),
    ("persist: append_logs", "append_logs ("),
    ("persist: enqueue_messages (outbox INSERT)", "enqueue_messages ("),
    ("persist: other", "ExecutorService._persist ("),
    ("publish to Redis (after commit)", "publish_committed ("),
    ("engine process() (pure decision)", "process (process.py)|process (executor/engine/process.py)"),
]
WORKER_PHASES = [
    ("decode message", "decode_worker_message ("),
    ("validate task definition", "validate_python ("),
    ("run attempt (render + task)", "run_attempt ("),
    ("RunContext / RenderServices setup", "RunContext.__init__ ("),
    ("log flush: pool checkout (+ pre-ping)", "_ConnectionFairy._checkout ("),
    ("log flush: COMMIT", "Transaction.commit ("),
    ("log flush: INSERT + rest", "LogWriter.flush ("),
    ("encode TaskResult", "Message.encode (common/messages.py"),
    ("publish result to Redis", "Transport.publish ("),
]
_LINE = re.compile(r":\d+\)")


def parse_raw(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        text, _, count = line.rpartition(" ")
        if not text or not count.isdigit():
            continue
        frames = [_LINE.sub(")", frame) for frame in text.split(";")]
        stacks.append((frames, int(count)))
    return stacks


def attribute(stacks, handler: str, phases, rate: float, steps: int) -> dict:
    """ms per chain step spent in each phase of `handler` (wall time, idle included)."""
    per_phase: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    inside = outside = 0
    for frames, count in stacks:
        index = next((i for i, frame in enumerate(frames) if handler in frame), None)
        if index is None:
            outside += count
            continue
        inside += count
        below = frames[index + 1:]
        name = "handler itself / other"
        for label, marker in phases:
            if any(m in frame for m in marker.split("|") for frame in below):
                name = label
                break
        per_phase[name] += count
        for frame in set(below):
            inclusive[frame] += count
        leaf[frames[-1]] += count

    def per_step(samples: int) -> float:
        return round(samples / rate * 1000.0 / steps, 3)

    return {
        "handler_ms_per_step": per_step(inside),
        "phases_ms_per_step": {k: per_step(v) for k, v in per_phase.most_common()},
        "top_inclusive_ms_per_step": {k: per_step(v) for k, v in inclusive.most_common(25)},
        "top_leaf_ms_per_step": {k: per_step(v) for k, v in leaf.most_common(15)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_executor")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    args = parser.parse_args(argv)
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(pyspy).exists():
        print("py-spy not found: .venv/bin/pip install py-spy", file=sys.stderr)
        return 2
    base = run_args(["--steps", str(args.steps)])
    tag = f"prof_{int(time.time())}_{uuid.uuid4().hex[:6]}"
    side = PodiumSide(pg_admin_url=base.pg_admin_url, pg_host_url=base.pg_host_url,
                      redis_url=base.redis_url, tag=tag, chain_steps=args.steps,
                      timeout=base.timeout)
    samplers: list[tuple[str, subprocess.Popen, Path]] = []
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        side.start()
        side.chain_once()  # warm-up: flow cache, connections, imports
        for role, pid in side.pids().items():
            out = RESULTS / f"profile-{role.split('-')[0]}.txt"
            sampler = subprocess.Popen(
                [pyspy, "record", "--pid", str(pid), "--idle", "--nonblocking",
                 "--rate", str(args.rate), "--format", "raw", "--output", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
            samplers.append((role, sampler, out))
        time.sleep(1.0)  # py-spy attaches
        per_step, began = [], time.monotonic()
        for _ in range(args.runs):
            per_step.append(side.chain_once()["per_step_ms"])
        sampled_seconds = time.monotonic() - began
    except BenchError as exc:
        say(f"FAILED: {exc}")
        return 2
    finally:
        for role, sampler, _ in samplers:
            if sampler.poll() is None:
                sampler.send_signal(signal.SIGINT)
            try:
                _, err = sampler.communicate(timeout=30)
                if sampler.returncode not in (0, None) and err:
                    say(f"py-spy on {role}: {err.decode(errors='replace')[-500:]}")
            except subprocess.TimeoutExpired:
                os.killpg(sampler.pid, signal.SIGKILL)
                sampler.wait()
        side.close()

    steps = args.runs * args.steps
    report = {"runs": args.runs, "steps": args.steps, "rate_hz": args.rate,
              "sampled_seconds": round(sampled_seconds, 2),
              "per_step_ms_while_sampled": [round(v, 3) for v in per_step],
              "note": "wall time inside the message handlers, idle (I/O wait) included; "
                      "py-spy sampling slows the services somewhat"}
    for role, _, out in samplers:
        kind = role.split("-")[0]
        if not out.exists():
            report[kind] = "no samples (py-spy failed to attach?)"
            continue
        handler, phases = (EXECUTOR_HANDLER, EXECUTOR_PHASES) if kind == "executor" \
            else (WORKER_HANDLER, WORKER_PHASES)
        report[kind] = attribute(parse_raw(out), handler, phases, args.rate, steps)
    text = json.dumps(report, indent=2)
    print(text)
    (RESULTS / "profile.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
